/**
 * Accounts: members (people and agents), sign-in, passwords, tokens, and the denylist. Tokens are
 * stored hashed; a revoked token or a disabled member closes its sessions on every instance.
 */
import type { Member, MembersListParams, NotifyLevel } from '@roundtable/protocol';
import { requireAdmin, type Authenticated, type HubContext } from './context.js';
import { memberMatcher } from './discovery.js';
import { HubError } from './hub-error.js';
import { hashToken, newId, newToken } from './ids.js';
import { recordSignIn, throttleSignIn } from './login-throttle.js';
import { hashPassword, verifyPassword } from './passwords.js';
import type { DenyEntry, MemberRecord, TokenRecord } from './ports.js';
import type { Presence } from './presence.js';
import type { Rooms } from './rooms.js';
import { TokenLifetimes } from './token-lifetimes.js';
import { publicMember } from './wire.js';

/** The name of the token a hub issues to an agent it runs itself. */
const HOSTED_AGENT_TOKEN = 'hosted by this hub';

const DUMMY_HASH =
  'scrypt$16384$8$1$AAAAAAAAAAAAAAAAAAAAAA==$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA==';

interface NewMember {
  handle: string;
  kind: 'person' | 'agent';
  role?: 'admin' | 'member';
  display_name?: string;
  description?: string;
  capabilities?: string[];
  owner_id?: string | null;
  password?: string;
}

export class Accounts {
  readonly lifetimes: TokenLifetimes;

  constructor(
    private readonly ctx: HubContext,
    private readonly rooms: Rooms,
    private readonly presence: Presence,
  ) {
    this.lifetimes = new TokenLifetimes(ctx);
  }

  /**
   * Loads the denylist and, on an empty store, creates the system member, the first admin and
   * the default room. Returns the first admin's token when it was just created.
   */
  async start(): Promise<{ adminToken?: string }> {
    const { ctx } = this;
    await ctx.reloadDenylist();
    const system = await ctx.store.memberByHandle('system');
    if (system) {
      ctx.system = system;
      return {};
    }
    try {
      ctx.system = await ctx.store.createMember({
        id: newId('m'),
        handle: 'system',
        display_name: 'Roundtable',
        kind: 'system',
        role: 'member',
        description: 'Notices from the hub itself',
        capabilities: [],
        owner_id: null,
        password_hash: null,
        created_at: ctx.now(),
      });
    } catch (error) {
      // Instances started together on an empty database: the one that made @system sets the hub up.
      const made = error instanceof HubError && error.code === 'handle_taken';
      const system = made ? await ctx.store.memberByHandle('system') : undefined;
      if (!system) throw error;
      ctx.system = system;
      return {};
    }
    const admin = await this.addMember({ handle: 'admin', kind: 'person', role: 'admin' });
    return { adminToken: (await this.issueToken(admin.id, 'first admin token', 'api')).token };
  }

  member(id: string): Promise<MemberRecord> {
    return this.ctx.member(id);
  }

  memberByHandle(handle: string): Promise<MemberRecord> {
    return this.ctx.memberByHandle(handle);
  }

  async authenticate(token: string | undefined): Promise<Authenticated> {
    if (!token) throw new HubError('auth_required');
    const record = await this.ctx.store.tokenByHash(hashToken(token));
    if (!record || record.revoked_at !== null) throw new HubError('auth_failed');
    const member = await this.ctx.member(record.member_id);
    if (member.disabled) throw new HubError('member_disabled');
    return { member, tokenId: record.id, life: await this.lifetimes.use(record) };
  }

  /** Stores a new member, who joins the default room. */
  async addMember(input: NewMember): Promise<MemberRecord> {
    const member = await this.ctx.store.createMember({
      id: newId('m'),
      handle: input.handle,
      display_name: input.display_name || input.handle,
      kind: input.kind,
      role: input.role ?? 'member',
      description: input.description ?? '',
      capabilities: input.capabilities ?? [],
      owner_id: input.owner_id ?? null,
      password_hash: input.password ? await hashPassword(input.password) : null,
      created_at: this.ctx.now(),
    });
    await this.joinDefaultRoom(member);
    return member;
  }

  private async joinDefaultRoom(member: MemberRecord): Promise<void> {
    const { settings, store } = this.ctx;
    if (!settings.defaultRoom) return;
    const room = await store.roomByName(settings.defaultRoom);
    if (room) {
      await this.rooms.addToRoom(room.id, member, member, 'member');
      return;
    }
    await this.rooms.create(
      {
        id: newId('r'),
        name: settings.defaultRoom,
        kind: 'public',
        topic: 'Everyone, people and agents',
        created_by: member.handle,
        created_at: this.ctx.now(),
        agent_depth_limit: settings.defaultAgentDepthLimit,
        direct_key: null,
        title: null,
      },
      [member],
      'member',
      member,
    );
  }

  /** `life`: a sign-in session's times, or an expiry asked for; without it the token never expires. */
  private async issueToken(
    memberId: string,
    name: string,
    kind: 'api' | 'session',
    life: { expires_at?: string; last_used_at?: string } = {},
  ): Promise<{ token: string; record: TokenRecord }> {
    const token = newToken();
    const record = await this.ctx.store.createToken({
      id: newId('t'),
      member_id: memberId,
      hash: hashToken(token),
      name,
      kind,
      created_at: this.ctx.now(),
      revoked_at: null,
      expires_at: life.expires_at ?? null,
      last_used_at: life.last_used_at ?? null,
    });
    return { token, record };
  }

  /** A new session token for the member, as a sign-in returns it. */
  async signIn(member: MemberRecord): Promise<{ member: Member; token: string }> {
    const { token } = await this.issueToken(member.id, 'session', 'session', this.lifetimes.newSession());
    return { member: publicMember(member), token };
  }

  async publicMember(member: MemberRecord): Promise<Member> {
    return this.presence.withPresence(publicMember(member));
  }

  async setPasswordHash(member: MemberRecord, passwordHash: string): Promise<void> {
    const updated = await this.ctx.store.updateMember(member.id, { password_hash: passwordHash });
    if (updated) this.ctx.rememberMember(updated);
  }

  /**
   * Changes the actor's password. As Slack does, every other session of the member is signed out
   * (a stolen session ends with the password it came from) while the one in use and API tokens,
   * which scripts and agents hold, stay. Without a password yet, the current one is not asked for.
   */
  async changePassword(
    actor: MemberRecord,
    currentTokenId: string | null | undefined,
    input: { current_password?: string; new_password: string },
  ): Promise<{ revoked_sessions: number }> {
    if (actor.password_hash !== null) {
      const verified = await verifyPassword(input.current_password ?? '', actor.password_hash);
      if (!verified) throw new HubError('bad_credentials', 'The current password is wrong.');
    }
    await this.setPasswordHash(actor, await hashPassword(input.new_password));
    let revoked = 0;
    for (const token of await this.ctx.store.listTokens(actor.id)) {
      if (token.kind !== 'session' || token.revoked_at !== null || token.id === currentTokenId) continue;
      await this.revokeStored(token.id);
      revoked += 1;
    }
    return { revoked_sessions: revoked };
  }

  /** Revokes every live token of a member (admins): its connections close at once. */
  async revokeMemberTokens(actor: MemberRecord, handle: string): Promise<{ revoked: number }> {
    requireAdmin(actor);
    const target = await this.ctx.memberByHandle(handle);
    let revoked = 0;
    for (const token of await this.ctx.store.listTokens(target.id)) {
      if (token.revoked_at !== null) continue;
      await this.revokeStored(token.id);
      revoked += 1;
    }
    return { revoked };
  }

  private async revokeStored(tokenId: string): Promise<TokenRecord | undefined> {
    const revoked = await this.ctx.store.revokeToken(tokenId, this.ctx.now());
    this.ctx.bus.publish({ kind: 'control', action: 'token.revoked', tokenId });
    return revoked;
  }

  async register(input: {
    handle: string;
    password: string;
    display_name?: string;
  }): Promise<{ member: Member; token: string }> {
    if (!this.ctx.settings.openRegistration) throw new HubError('registration_closed');
    const member = await this.addMember({ ...input, kind: 'person' });
    return this.signIn(member);
  }

  /** `address` is the client's network address, for the sign-in throttle (login-throttle.ts). */
  async login(handle: string, password: string, address: string): Promise<{ member: Member; token: string }> {
    const key = handle.toLowerCase();
    await throttleSignIn(this.ctx.limiter, key, address);
    const member = await this.ctx.store.memberByHandle(key);
    // Verify even for an unknown handle, so response time does not reveal which handles exist.
    const verified = await verifyPassword(password, member?.password_hash ?? DUMMY_HASH);
    const ok = member !== undefined && member.password_hash !== null && verified;
    await recordSignIn(this.ctx.limiter, key, address, ok);
    if (!ok) throw new HubError('bad_credentials');
    if (member.disabled) throw new HubError('member_disabled');
    return this.signIn(member);
  }

  async createToken(
    actor: MemberRecord,
    input: { name: string; member?: string; expires_at?: string },
  ): Promise<{ token: string; record: TokenRecord }> {
    const owner = input.member ? await this.ctx.memberByHandle(input.member) : actor;
    if (owner.id !== actor.id && actor.role !== 'admin') throw new HubError('admin_only');
    if (input.expires_at === undefined) return this.issueToken(owner.id, input.name, 'api');
    const expires = Date.parse(input.expires_at);
    if (!(expires > this.ctx.clock.now())) throw new HubError('invalid_request', '`expires_at` must be in the future.');
    return this.issueToken(owner.id, input.name, 'api', { expires_at: new Date(expires).toISOString() });
  }

  async listTokens(actor: MemberRecord, options: { all?: boolean } = {}): Promise<TokenRecord[]> {
    if (options.all && actor.role !== 'admin') throw new HubError('admin_only');
    return this.ctx.store.listTokens(options.all ? undefined : actor.id);
  }

  async revokeToken(actor: MemberRecord, tokenId: string): Promise<TokenRecord> {
    const token = await this.ctx.store.tokenById(tokenId);
    if (!token || (token.member_id !== actor.id && actor.role !== 'admin')) throw new HubError('token_not_found');
    return (await this.revokeStored(tokenId)) ?? token;
  }

  async createMember(
    actor: MemberRecord,
    input: Omit<NewMember, 'owner_id'>,
  ): Promise<{ member: Member; token: string }> {
    requireAdmin(actor);
    const member = await this.addMember({ ...input, owner_id: actor.id });
    const { token } = await this.issueToken(member.id, `${input.kind} token`, 'api');
    return { member: publicMember(member), token };
  }

  /**
   * A token for an agent this hub runs itself: the agent member is created at its first start, and each
   * start replaces the token of the one before, so restarts leave no live tokens behind.
   */
  async hostedAgentToken(input: {
    handle: string;
    display_name?: string;
    description?: string;
    /** The admin who defined it through the API: its owner, when this start creates the member. */
    owner_id?: string | null;
  }): Promise<{ token: string; memberId: string }> {
    const { store } = this.ctx;
    let member = await store.memberByHandle(input.handle);
    if (!member) member = await this.addMember({ ...input, kind: 'agent' });
    if (member.kind !== 'agent') {
      throw new HubError(
        'handle_taken',
        `@${input.handle} is a ${member.kind}, so it cannot be an agent this hub runs.`,
      );
    }
    for (const token of await store.listTokens(member.id)) {
      if (token.name === HOSTED_AGENT_TOKEN && !token.revoked_at) await this.revokeStored(token.id);
    }
    return { token: (await this.issueToken(member.id, HOSTED_AGENT_TOKEN, 'session')).token, memberId: member.id };
  }

  async updateMember(
    actor: MemberRecord,
    handle: string,
    patch: {
      display_name?: string;
      description?: string;
      capabilities?: string[];
      disabled?: boolean;
      role?: 'admin' | 'member';
      notify_default?: NotifyLevel;
    },
  ): Promise<Member> {
    const target = await this.ctx.memberByHandle(handle);
    const self = target.id === actor.id;
    // An owner describes the agents it created; an owner who is no longer an admin keeps no more than that.
    const owner = target.kind === 'agent' && target.role !== 'admin' && target.owner_id === actor.id;
    const adminFields = patch.disabled !== undefined || patch.role !== undefined;
    // A member's own preference: not an admin's to set for them, nor an owner's for its agent.
    if (patch.notify_default !== undefined && !self) throw new HubError('forbidden', 'Only you set your defaults.');
    if (((!self && !owner) || adminFields) && actor.role !== 'admin') throw new HubError('admin_only');
    // Capabilities route tasks to an agent, so no one grants them but an admin: not the agent, not its owner.
    if (patch.capabilities !== undefined && actor.role !== 'admin') {
      throw new HubError('forbidden', 'Capabilities are granted by an admin.');
    }
    if (target.kind === 'system') throw new HubError('forbidden', 'The system member cannot be changed.');
    const updated = await this.ctx.store.updateMember(target.id, patch);
    if (!updated) throw new HubError('member_not_found');
    this.ctx.rememberMember(updated);
    this.ctx.bus.publish({ kind: 'control', action: 'member.updated', memberId: updated.id });
    return this.presence.withPresence(publicMember(updated));
  }

  async listMembers(filter: MembersListParams = {}): Promise<Member[]> {
    const members = await this.ctx.store.listMembers(filter.kind ? { kind: filter.kind } : {});
    return members.map((member) => this.presence.withPresence(publicMember(member))).filter(memberMatcher(filter));
  }

  async listDenylist(actor: MemberRecord): Promise<DenyEntry[]> {
    requireAdmin(actor);
    return this.ctx.store.listDenylist();
  }

  async addDenylist(actor: MemberRecord, handle: string, reason = ''): Promise<DenyEntry> {
    requireAdmin(actor);
    const entry = await this.ctx.store.addDenylist({
      handle,
      reason,
      created_by: actor.handle,
      created_at: this.ctx.now(),
    });
    this.ctx.denylist.add(handle);
    this.ctx.bus.publish({ kind: 'control', action: 'denylist.updated', handle, denied: true });
    return entry;
  }

  async removeDenylist(actor: MemberRecord, handle: string): Promise<boolean> {
    requireAdmin(actor);
    const removed = await this.ctx.store.removeDenylist(handle);
    this.ctx.denylist.delete(handle);
    this.ctx.bus.publish({ kind: 'control', action: 'denylist.updated', handle, denied: false });
    return removed;
  }
}
