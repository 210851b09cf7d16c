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
  created_at: string;
  /** Why the hub refused it, when it did: shown with retry and discard. */
  failed?: string;
}

const OUTBOX = 'roundtable.outbox';

/** Unsent messages outlive a reload, so closing the tab while offline loses nothing. */
export function loadOutbox(): Outgoing[] {
  try {
    const saved: unknown = JSON.parse(localStorage.getItem(OUTBOX) ?? '[]');
    return Array.isArray(saved) ? (saved as Outgoing[]) : [];
  } catch {
    return [];
  }
}

export function saveOutbox(outbox: Outgoing[]): void {
  if (outbox.length === 0) localStorage.removeItem(OUTBOX);
  else localStorage.setItem(OUTBOX, JSON.stringify(outbox));
}

const DRAFTS = 'roundtable.drafts';

export function loadDrafts(): Record<string, string> {
  try {
    return JSON.parse(sessionStorage.getItem(DRAFTS) ?? '{}') as Record<string, string>;
  } catch {
    return {};
  }
}

export function saveDrafts(drafts: Record<string, string>): void {
  sessionStorage.setItem(DRAFTS, JSON.stringify(drafts));
}
