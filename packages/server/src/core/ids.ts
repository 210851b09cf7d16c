/** Random identifiers and secrets. */
import { createHash, randomBytes } from 'node:crypto';

/**
 * Random bytes for ids are drawn this many at a time, as Node's `randomUUID` draws its own: a draw
 * allocates a buffer and crosses into OpenSSL, which cost more than the rest of making an id (3.6 to
 * 5 µs an id in the ingest bench's profiles, an id a message). Tokens, secrets, draw their own.
 */
const POOL_BYTES = 4_608;
let pool = Buffer.alloc(0);
let used = 0;

function randomForId(bytes: number): Buffer {
  if (used + bytes > pool.length) {
    pool = randomBytes(POOL_BYTES);
    used = 0;
  }
  used += bytes;
  return pool.subarray(used - bytes, used);
}

/** 72 random bits, url-safe: unique enough for ids that are also unguessable. */
export function newId(prefix: string): string {
  return `${prefix}_${randomForId(9).toString('base64url')}`;
}

/** Tokens carry 256 random bits, so a fast hash is enough to store them safely. */
export function newToken(): string {
  return `rt_${randomBytes(32).toString('base64url')}`;
}

export function hashToken(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}
