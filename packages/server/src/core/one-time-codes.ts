/**
 * One-time codes: the setup link of an admin (printed at the first start and by `roundtable
 * setup-link`) and the invite links admins make for people. Whoever holds a code sets the password
 * of the member it was made for and is signed in as them. A code is stored hashed, works once, and
 * only until it expires; a newer code of the same purpose for the same member replaces it.
 */
import { randomBytes } from 'node:crypto';
import type { Member } from '@roundtable/protocol';
import type { Accounts } from './accounts.js';
import { requireAdmin, type HubContext } from './context.js';
import { HubError } from './hub-error.js';
import { hashToken } from './ids.js';
import { hashPassword } from './passwords.js';
import type { CodePurpose, MemberRecord } from './ports.js';

/** How long a code works, in ms: a setup link is used at once, an invite may wait for its person. */
export const CODE_LIFETIME_MS: Record<CodePurpose, number> = {
  setup: 60 * 60_000,
  invite: 7 * 24 * 60 * 60_000,
};

const EXPIRED: Record<CodePurpose, string> = {
  setup:
    'This setup link was used or has expired. On the machine that runs the hub, run `npx roundtable setup-link` for a new one.',
  invite: 'This invite link was used or has expired. Ask an admin to invite you again.',
};

export interface IssuedCode {
  code: string;
  expires_at: string;
}

export class OneTimeCodes {
  constructor(
    private readonly ctx: HubContext,
    private readonly accounts: Accounts,
  ) {}

  /** A fresh setup code for an admin (default @admin); any older unused one stops working. */
  async setupCode(handle = 'admin'): Promise<IssuedCode> {
    const member = await this.ctx.memberByHandle(handle);
    if (member.role !== 'admin') throw new HubError('admin_only', `@${member.handle} is not an admin.`);
    if (member.disabled) throw new HubError('member_disabled', `@${member.handle} is disabled.`);
    return this.issue(member, 'setup');
  }

  /** Creates a person without a password and a code with which they choose one (admins). */
  async invite(
    actor: MemberRecord,
    input: { handle: string; display_name?: string; role?: 'admin' | 'member' },
  ): Promise<IssuedCode & { member: Member }> {
    requireAdmin(actor);
    const member = await this.accounts.addMember({ ...input, kind: 'person', owner_id: actor.id });
    return { member: await this.accounts.publicMember(member), ...(await this.issue(member, 'invite')) };
  }

  /** Who a code is for, while it still works, without spending it: the screen it opens greets them by name. */
  async check(code: string, purpose: CodePurpose): Promise<{ member: Member; expires_at: string }> {
    const stored = await this.ctx.store.oneTimeCodeByHash(hashToken(code));
    const works = stored?.purpose === purpose && stored.used_at === null && stored.expires_at > this.ctx.now();
    if (!stored || !works) throw new HubError('link_expired', EXPIRED[purpose]);
    const member = await this.ctx.member(stored.member_id);
    return { member: await this.accounts.publicMember(member), expires_at: stored.expires_at };
  }

  /** Spends the code: sets the password of its member and signs them in with a new session token. */
  async redeem(code: string, purpose: CodePurpose, password: string): Promise<{ member: Member; token: string }> {
    // The slow hash comes first, so a failure after the code is spent is as unlikely as can be.
    const passwordHash = await hashPassword(password);
    const memberId = await this.ctx.store.useOneTimeCode(hashToken(code), purpose, this.ctx.now());
    if (!memberId) throw new HubError('link_expired', EXPIRED[purpose]);
    const member = await this.ctx.member(memberId);
    if (member.disabled) throw new HubError('member_disabled');
    await this.accounts.setPasswordHash(member, passwordHash);
    return this.accounts.signIn(member);
  }

  private async issue(member: MemberRecord, purpose: CodePurpose): Promise<IssuedCode> {
    // 256 random bits, like a token's, so a fast hash stores it safely.
    const code = randomBytes(32).toString('base64url');
    const now = this.ctx.clock.now();
    const expires_at = new Date(now + CODE_LIFETIME_MS[purpose]).toISOString();
    await this.ctx.store.createOneTimeCode({
      hash: hashToken(code),
      member_id: member.id,
      purpose,
      created_at: new Date(now).toISOString(),
      expires_at,
    });
    return { code, expires_at };
  }
}
