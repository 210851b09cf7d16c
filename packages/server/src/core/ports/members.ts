/** The members slice of the Store: accounts (people, agents, the system), their API tokens, and handles refused at sign-up. */
import type { ApiToken, MemberKind } from '@roundtable/protocol';

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
  created_at: string;
}

export type NewMember = Omit<MemberRecord, 'disabled'>;
export type MemberPatch = Partial<
  Pick<MemberRecord, 'display_name' | 'role' | 'disabled' | 'password_hash' | 'description' | 'capabilities'>
>;

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

  listDenylist(): Promise<DenyEntry[]>;
  addDenylist(entry: DenyEntry): Promise<DenyEntry>;
  removeDenylist(handle: string): Promise<boolean>;
}
