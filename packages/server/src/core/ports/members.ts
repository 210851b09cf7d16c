/**
 * The members slice of the Store: accounts (people, agents, the system), their API tokens, the
 * one-time codes of setup and invite links, and handles refused at sign-up.
 */
import type { ApiToken, MemberKind, NotifyLevel } from '@roundtable/protocol';

export interface MemberRecord {
  id: string;
  handle: string;
  display_name: string;
  kind: MemberKind;
  role: 'admin' | 'member';
  description: string;
  capabilities: string[];
  owner_id: string | null;
  password_hash: string | null;
  disabled: boolean;
  /** The notification level this member gets in a channel it joins (direct rooms are always `all`). */
  notify_default: NotifyLevel;
  created_at: string;
}

/** Without `notify_default`, a new member gets `mentions`. */
export type NewMember = Omit<MemberRecord, 'disabled' | 'notify_default'> & { notify_default?: NotifyLevel };
export type MemberPatch = Partial<
  Pick<
    MemberRecord,
    'display_name' | 'role' | 'disabled' | 'password_hash' | 'description' | 'capabilities' | 'notify_default'
  >
>;

/** What a one-time code lets its holder do: set the password of the member it was made for, and sign in. */
export type CodePurpose = 'setup' | 'invite';

/** A one-time code as stored: only its hash, like a token's. */
export interface OneTimeCodeRecord {
  hash: string;
  member_id: string;
  purpose: CodePurpose;
  created_at: string;
  expires_at: string;
  used_at: string | null;
}

/** A token as stored, less its hash: the same shape the API lists. */
export type TokenRecord = ApiToken;

export interface DenyEntry {
  handle: string;
  reason: string;
  created_by: string;
  created_at: string;
}

export interface MembersStore {
  createMember(member: NewMember): Promise<MemberRecord>;
  updateMember(id: string, patch: MemberPatch): Promise<MemberRecord | undefined>;
  memberById(id: string): Promise<MemberRecord | undefined>;
  memberByHandle(handle: string): Promise<MemberRecord | undefined>;
  membersByHandles(handles: string[]): Promise<MemberRecord[]>;
  listMembers(filter: { kind?: MemberKind }): Promise<MemberRecord[]>;
  countMembers(): Promise<number>;

  createToken(token: TokenRecord & { hash: string }): Promise<TokenRecord>;
  tokenByHash(hash: string): Promise<TokenRecord | undefined>;
  listTokens(memberId?: string): Promise<TokenRecord[]>;
  tokenById(id: string): Promise<TokenRecord | undefined>;
  revokeToken(id: string, at: string): Promise<TokenRecord | undefined>;
  /**
   * Records the use of these sign-in sessions at `at`: their idle time starts again. Tokens without
   * `last_used_at` (which never idle out) and revoked ones are left as they are.
   */
  touchTokens(ids: string[], at: string): Promise<void>;

  /** Stores a code and drops the member's unused codes of the same purpose: only the newest link works. */
  createOneTimeCode(code: Omit<OneTimeCodeRecord, 'used_at'>): Promise<void>;
  /**
   * Marks the code used if it is of this purpose, unused and not expired at `at`, all in one
   * statement, so two holders racing with one code cannot both win. Returns its member's id.
   */
  useOneTimeCode(hash: string, purpose: CodePurpose, at: string): Promise<string | undefined>;
  oneTimeCodeByHash(hash: string): Promise<OneTimeCodeRecord | undefined>;

  listDenylist(): Promise<DenyEntry[]>;
  addDenylist(entry: DenyEntry): Promise<DenyEntry>;
  removeDenylist(handle: string): Promise<boolean>;
}
