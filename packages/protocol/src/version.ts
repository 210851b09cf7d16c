/** The wire protocol's version: bumped on any change an existing client could not ignore. */
export const PROTOCOL_VERSION = 1;
