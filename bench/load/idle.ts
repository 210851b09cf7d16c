import { open, type Connection, type Protocol } from './connection.js';

/** Connections that only stay open: what each costs the server in memory. */
export interface IdleJob {
  kind: 'idle';
  protocol: Protocol;
  url: string;
  /** Every connection authenticates with this token (the baselines need none). */
  token?: string;
  connections: number;
}

export interface IdleResult {
  connections: number;
}

export async function prepareIdle(job: IdleJob): Promise<() => Promise<IdleResult>> {
  const connections: Connection[] = [];
  for (let i = 0; i < job.connections; i += 100) {
    const batch = Math.min(100, job.connections - i);
    connections.push(
      ...(await Promise.all(Array.from({ length: batch }, () => open(job.protocol, job.url, job.token, ['general'])))),
    );
  }
  return async () => {
    // Long enough for the server to settle after the last handshakes; it is measured while all are open.
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    return { connections: connections.length };
  };
}
