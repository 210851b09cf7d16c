/** What both stores say of a database migrated by a newer Roundtable than this one. */
export function newerSchema(current: number, latest: number): Error {
  return new Error(
    `The database schema is at version ${current}, newer than this Roundtable knows (${latest}). ` +
      'Run a Roundtable release that matches the database, or restore a backup taken before the upgrade.',
  );
}
