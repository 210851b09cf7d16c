import { record, records } from './safe.js';

/** The signed-in identity, kept in localStorage so a reload keeps it. */
const KEY = 'roundtable.token';

export function savedToken(): string | null {
  return localStorage.getItem(KEY);
}

export function saveToken(token: string): void {
  localStorage.setItem(KEY, token);
}

/** Signing out also drops what this identity had not sent: it must not go out under the next one. */
export function forgetToken(): void {
  localStorage.removeItem(KEY);
  localStorage.removeItem(OUTBOX);
  sessionStorage.removeItem(DRAFTS);
}

/** A message typed but not yet acknowledged by the hub; its client_id makes re-sending it harmless. */
export interface Outgoing {
  client_id: string;
  /** Who typed it: only that member's page sends it. */
  member: string;
  room: string;
  content: string;
  thread_id?: string;
  /** A `/me` message: sent with `metadata.action`. */
  action?: true;
  created_at: string;
  /** Why the hub refused it, when it did: shown with retry and discard. */
  failed?: string;
}

const OUTBOX = 'roundtable.outbox';

/** Unsent messages outlive a reload, so closing the tab while offline loses nothing. */
export function loadOutbox(): Outgoing[] {
  return outboxFrom(parsed(localStorage.getItem(OUTBOX)));
}

/**
 * What a reload finds in storage is untrusted (an older version, another tool, a hand edit): an
 * item is kept only whole, each field of the type it must have, so a bad one cannot break the page.
 */
export function outboxFrom(saved: unknown): Outgoing[] {
  return records(saved).flatMap((item): Outgoing[] => {
    const { client_id, member, room, content, created_at, thread_id, failed, action } = item;
    const texts = [client_id, member, room, content, created_at];
    if (typeof client_id !== 'string' || typeof member !== 'string' || typeof room !== 'string') return [];
    if (typeof content !== 'string' || typeof created_at !== 'string' || texts.includes('')) return [];
    if (thread_id !== undefined && typeof thread_id !== 'string') return [];
    return [
      {
        client_id,
        member,
        room,
        content,
        created_at,
        ...(typeof thread_id === 'string' ? { thread_id } : {}),
        ...(action === true ? { action } : {}),
        ...(typeof failed === 'string' ? { failed } : {}),
      },
    ];
  });
}

function parsed(text: string | null): unknown {
  try {
    return text === null ? undefined : JSON.parse(text);
  } catch {
    return undefined;
  }
}

export function saveOutbox(outbox: Outgoing[]): void {
  if (outbox.length === 0) localStorage.removeItem(OUTBOX);
  else localStorage.setItem(OUTBOX, JSON.stringify(outbox));
}

const DRAFTS = 'roundtable.drafts';

export function loadDrafts(): Record<string, string> {
  return draftsFrom(parsed(sessionStorage.getItem(DRAFTS)));
}

/** Drafts are text by room: anything else found in storage is dropped. */
export function draftsFrom(saved: unknown): Record<string, string> {
  return Object.fromEntries(
    Object.entries(record(saved)).filter((entry): entry is [string, string] => typeof entry[1] === 'string'),
  );
}

export function saveDrafts(drafts: Record<string, string>): void {
  sessionStorage.setItem(DRAFTS, JSON.stringify(drafts));
}
