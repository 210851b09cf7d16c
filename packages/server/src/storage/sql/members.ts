/** Members, their API tokens, one-time codes, and the denylist of handles. */
import type { MemberKind } from '@roundtable/protocol';
import { TABLE_BY_NAME } from '../../core/dump.js';
import { HubError } from '../../core/hub-error.js';
import type {
  CodePurpose,
  DenyEntry,
  MemberPatch,
  MemberRecord,
  MembersStore,
  NewMember,
  OneTimeCodeRecord,
  TokenRecord,
} from '../../core/ports.js';
import { decode, encode, update, type Dialect } from './dialect.js';
import { claimHandle } from './groups.js';
import { toMember, toToken, type Row } from './records.js';
import { changes, row, rows, type Params, type SqlDriver, type Step } from './step.js';

const MEMBERS = TABLE_BY_NAME.get('members')!;

const INSERT_MEMBER = `INSERT INTO members
  (id, handle, display_name, kind, role, description, capabilities, owner_id, password_hash, notify_default, created_at)
  VALUES (@id, @handle, @display_name, @kind, @role, @description, @capabilities, @owner_id, @password_hash,
    @notify_default, @created_at)`;
const MEMBER_BY_ID = 'SELECT * FROM members WHERE id = @id';
const TOKEN_BY_ID = 'SELECT * FROM tokens WHERE id = @id';

export function membersStore(db: SqlDriver, d: Dialect): MembersStore {
  return {
    createMember: (member) => db.write(createMember, d, member),
    updateMember: (id, patch) => db.write(updateMember, d, id, patch),
    memberById: (id) => db.read(memberById, d, id),
    memberByHandle: (handle) => db.read(memberByHandle, d, handle),
    membersByHandles: (handles) => (handles.length === 0 ? Promise.resolve([]) : db.read(membersByHandles, d, handles)),
    listMembers: (filter) => db.read(listMembers, d, filter),
    countMembers: () => db.read(countMembers),
    createToken: (token) => db.write(createToken, token),
    tokenByHash: (hash) => db.read(tokenByHash, hash),
    tokenById: (id) => db.read(tokenById, id),
    listTokens: (memberId) => db.read(listTokens, memberId),
    revokeToken: (id, at) => db.write(revokeToken, id, at),
    touchTokens: (ids, at) => (ids.length === 0 ? Promise.resolve() : db.write(touchTokens, d, ids, at)),
    createOneTimeCode: (code) => db.write(createOneTimeCode, code),
    useOneTimeCode: (hash, purpose, at) => db.write(useOneTimeCode, hash, purpose, at),
    oneTimeCodeByHash: (hash) => db.read(oneTimeCodeByHash, hash),
    listDenylist: () => db.read(listDenylist),
    addDenylist: (entry) => db.write(addDenylist, entry),
    removeDenylist: (handle) => db.write(removeDenylist, handle),
  };
}

function member(d: Dialect, stored: Row | undefined): MemberRecord | undefined {
  return stored ? toMember(decode(d, MEMBERS, stored)) : undefined;
}

function* createMember(d: Dialect, input: NewMember): Step<MemberRecord> {
  const created: MemberRecord = { ...input, notify_default: input.notify_default ?? 'mentions', disabled: false };
  const { disabled: _disabled, ...columns } = created;
  yield* claimHandle(d, input.handle);
  try {
    yield* changes(INSERT_MEMBER, encode(d, MEMBERS, columns));
  } catch (error) {
    if (d.isUniqueViolation(error)) throw new HubError('handle_taken', `The handle @${input.handle} is taken.`);
    throw error;
  }
  return created;
}

function* updateMember(d: Dialect, id: string, patch: MemberPatch): Step<MemberRecord | undefined> {
  return member(d, (yield* update(d, MEMBERS, patch, 'id = @id', { id })) ?? (yield* row(MEMBER_BY_ID, { id })));
}

function* memberById(d: Dialect, id: string): Step<MemberRecord | undefined> {
  return member(d, yield* row(MEMBER_BY_ID, { id }));
}

function* memberByHandle(d: Dialect, handle: string): Step<MemberRecord | undefined> {
  return member(d, yield* row('SELECT * FROM members WHERE handle = @handle', { handle }));
}

function* membersByHandles(d: Dialect, handles: string[]): Step<MemberRecord[]> {
  const params: Params = {};
  const found = yield* rows(`SELECT * FROM members WHERE ${d.anyOf('handle', 'handles', handles, params)}`, params);
  return found.map((stored) => member(d, stored)!);
}

function* listMembers(d: Dialect, filter: { kind?: MemberKind }): Step<MemberRecord[]> {
  const found = filter.kind
    ? yield* rows('SELECT * FROM members WHERE kind = @kind ORDER BY handle', filter)
    : yield* rows('SELECT * FROM members ORDER BY handle');
  return found.map((stored) => member(d, stored)!);
}

function* countMembers(): Step<number> {
  return Number((yield* row('SELECT count(*) AS n FROM members'))!.n);
}

function* createToken(input: TokenRecord & { hash: string }): Step<TokenRecord> {
  yield* changes(
    `INSERT INTO tokens (id, member_id, hash, name, kind, created_at, revoked_at, expires_at, last_used_at)
     VALUES (@id, @member_id, @hash, @name, @kind, @created_at, @revoked_at, @expires_at, @last_used_at)`,
    input,
  );
  const { hash: _hash, ...record } = input;
  return record;
}

function* tokenByHash(hash: string): Step<TokenRecord | undefined> {
  const stored = yield* row('SELECT * FROM tokens WHERE hash = @hash', { hash });
  return stored ? toToken(stored) : undefined;
}

function* tokenById(id: string): Step<TokenRecord | undefined> {
  const stored = yield* row(TOKEN_BY_ID, { id });
  return stored ? toToken(stored) : undefined;
}

function* listTokens(memberId: string | undefined): Step<TokenRecord[]> {
  const found = memberId
    ? yield* rows('SELECT * FROM tokens WHERE member_id = @memberId ORDER BY created_at, id', { memberId })
    : yield* rows('SELECT * FROM tokens ORDER BY created_at, id');
  return found.map(toToken);
}

function* revokeToken(id: string, at: string): Step<TokenRecord | undefined> {
  yield* changes('UPDATE tokens SET revoked_at = @at WHERE id = @id AND revoked_at IS NULL', { id, at });
  return yield* tokenById(id);
}

function* touchTokens(d: Dialect, ids: string[], at: string): Step<void> {
  const params: Params = { at };
  yield* changes(
    `UPDATE tokens SET last_used_at = @at
     WHERE ${d.anyOf('id', 'ids', ids, params)} AND revoked_at IS NULL AND last_used_at IS NOT NULL`,
    params,
  );
}

function* createOneTimeCode(code: Omit<OneTimeCodeRecord, 'used_at'>): Step<void> {
  yield* changes(
    'DELETE FROM one_time_codes WHERE member_id = @member_id AND purpose = @purpose AND used_at IS NULL',
    code,
  );
  yield* changes(
    `INSERT INTO one_time_codes (hash, member_id, purpose, created_at, expires_at, used_at)
     VALUES (@hash, @member_id, @purpose, @created_at, @expires_at, NULL)`,
    code,
  );
}

function* useOneTimeCode(hash: string, purpose: CodePurpose, at: string): Step<string | undefined> {
  const used = yield* row(
    `UPDATE one_time_codes SET used_at = @at
     WHERE hash = @hash AND purpose = @purpose AND used_at IS NULL AND expires_at > @at RETURNING member_id`,
    { hash, purpose, at },
  );
  return used ? (used.member_id as string) : undefined;
}

function* oneTimeCodeByHash(hash: string): Step<OneTimeCodeRecord | undefined> {
  const stored = yield* row('SELECT * FROM one_time_codes WHERE hash = @hash', { hash });
  return stored as unknown as OneTimeCodeRecord | undefined;
}

function* listDenylist(): Step<DenyEntry[]> {
  const found = yield* rows('SELECT handle, reason, created_by, created_at FROM denylist ORDER BY handle');
  return found as unknown as DenyEntry[];
}

function* addDenylist(entry: DenyEntry): Step<DenyEntry> {
  const stored = yield* row(
    `INSERT INTO denylist (handle, reason, created_by, created_at) VALUES (@handle, @reason, @created_by, @created_at)
     ON CONFLICT (handle) DO UPDATE SET reason = excluded.reason RETURNING handle, reason, created_by, created_at`,
    entry,
  );
  return stored as unknown as DenyEntry;
}

function* removeDenylist(handle: string): Step<boolean> {
  return (yield* changes('DELETE FROM denylist WHERE handle = @handle', { handle })) > 0;
}
