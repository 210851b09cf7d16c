/** Random identifiers and secrets. */
import { createHash, randomBytes } from 'node:crypto';

/** 72 random bits, url-safe: unique enough for ids that are also unguessable. */
export function newId(prefix: string): string {
  return `${prefix}_${randomBytes(9).toString('base64url')}`;
}

/** Tokens carry 256 random bits, so a fast hash is enough to store them safely. */
export function newToken(): string {
  return `rt_${randomBytes(32).toString('base64url')}`;
}

export function hashToken(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}
