/** `roundtable setup-link`: a new setup link written offline into the hub's database. */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import { ok, run, startHub, tempDir } from '@roundtable/testkit';

test('setup-link prints a new link offline; the first start’s link stops working and the new one signs the admin in', async (t) => {
  const dir = tempDir(t);
  const first = await startHub(t, { dir });
  await first.member('ada');
  const firstCode = first.setupCode!;
  await first.close();

  const made = await ok(t, ['setup-link', '--db', first.dbPath, '--url', 'http://hub.example:8004/']);
  const link = made.stdout.trim();
  const [, code] = /^http:\/\/hub\.example:8004\/setup#([A-Za-z0-9_-]+)$/.exec(link) ?? [];
  assert.ok(code, `stdout holds the link alone: ${link}`);
  assert.match(made.stderr, /works once/);

  const hub = await startHub(t, { dir, adminToken: first.adminToken });
  const old = await hub.api('', 'POST', '/api/v1/auth/code', {
    code: firstCode,
    purpose: 'setup',
    password: 'pass word 1',
  });
  assert.equal(old.body.code, 'link_expired', 'an older setup link no longer works');
  const used = await hub.api('', 'POST', '/api/v1/auth/code', { code, purpose: 'setup', password: 'pass word 2' });
  assert.equal(used.status, 200);
  assert.equal(used.body.member.handle, 'admin');

  const defaultUrl = await ok(t, ['setup-link'], { env: { DATABASE_PATH: first.dbPath, ROUNDTABLE_URL: '' } });
  assert.match(
    defaultUrl.stdout,
    /^http:\/\/127\.0\.0\.1:8004\/setup#[A-Za-z0-9_-]+\n$/,
    'defaults: $DATABASE_PATH, port 8004',
  );

  const notAdmin = await run(t, ['setup-link', '--db', first.dbPath, '--handle', '@ada']);
  assert.equal(notAdmin.code, 1);
  assert.match(notAdmin.stderr, /^error: admin_only: @ada is not an admin/m);
  const noFile = await run(t, ['setup-link', '--db', join(dir, 'typo.db')]);
  assert.equal(noFile.code, 1);
  assert.match(noFile.stderr, /^error: no database at /m);
});
