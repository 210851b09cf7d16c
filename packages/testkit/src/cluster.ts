/** Several hub processes over one PostgreSQL schema and one Redis channel prefix, as a scaled-out deployment runs. */
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { join } from 'node:path';
import type { TestContext } from 'node:test';
import { testEnv } from './hub.js';
import { POSTGRES_URL, pgSchema } from './services.js';

const ROOT = join(import.meta.dirname, '../../..');

export interface Instance {
  name: string;
  url: string;
  port: number;
  child: ChildProcess;
  kill(signal?: NodeJS.Signals): Promise<void>;
}

export interface Cluster {
  instances: Instance[];
  adminToken: string;
  api<T = any>(
    instance: Instance,
    token: string,
    method: string,
    path: string,
    body?: unknown,
  ): Promise<{ status: number; body: T }>;
  member(handle: string, kind?: 'person' | 'agent'): Promise<string>;
}

export async function startInstance(
  t: TestContext,
  name: string,
  env: Record<string, string>,
): Promise<Instance & { banner: string }> {
  const child = spawn(
    process.execPath,
    ['--conditions=development', '--import', 'tsx', 'packages/server/src/main.ts'],
    {
      cwd: ROOT,
      env: { ...process.env, ...env },
      stdio: ['ignore', 'ignore', 'pipe'],
    },
  );
  const running = () => child.exitCode === null && child.signalCode === null;
  t.after(() => {
    if (running()) child.kill('SIGKILL');
  });
  let banner = '';
  const deadline = setTimeout(() => child.kill('SIGKILL'), 30_000);
  for await (const chunk of child.stderr!) {
    banner += chunk;
    if (/listening on (http:\/\/\S+)/.test(banner) && (!/First start/.test(banner) || /rt_\S+/.test(banner))) break;
  }
  clearTimeout(deadline);
  const url = /listening on (http:\/\/\S+)/.exec(banner)?.[1];
  if (!url) throw new Error(`instance ${name} did not start: ${banner}`);
  child.stderr!.resume();
  return {
    name,
    url,
    port: Number(new URL(url).port),
    child,
    banner,
    async kill(signal = 'SIGKILL') {
      if (!running()) return;
      const exited = once(child, 'exit');
      child.kill(signal);
      await exited;
    },
  };
}

/** `count` hub processes sharing one fresh PostgreSQL schema and one Redis channel prefix. */
export async function startCluster(
  t: TestContext,
  options: { count: number; redisUrl: string; databaseUrl?: string; env?: Record<string, string> },
): Promise<Cluster> {
  const schema = pgSchema(t);
  const env = {
    ...testEnv('/unused.db', options.env),
    DATABASE_URL: options.databaseUrl ?? POSTGRES_URL,
    DATABASE_SCHEMA: schema,
    DATABASE_POOL_SIZE: '4',
    REDIS_URL: options.redisUrl,
    REDIS_PREFIX: schema,
    LOG_LEVEL: 'warn',
  };
  const first = await startInstance(t, 'A', env);
  const adminToken = /(rt_[\w-]+)/.exec(first.banner)?.[1];
  if (!adminToken) throw new Error('the first instance printed no admin token');
  const rest = await Promise.all(
    Array.from({ length: options.count - 1 }, (_, index) => startInstance(t, String.fromCharCode(66 + index), env)),
  );
  const instances = [first, ...rest];
  const api = async (instance: Instance, token: string, method: string, path: string, body?: unknown) => {
    const response = await fetch(instance.url + path, {
      method,
      headers: {
        authorization: `Bearer ${token}`,
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await response.text();
    return { status: response.status, body: text ? JSON.parse(text) : undefined };
  };
  return {
    instances,
    adminToken,
    api,
    async member(handle, kind = 'person') {
      const created = await api(first, adminToken, 'POST', '/api/v1/members', { handle, kind });
      if (created.status !== 201) throw new Error(`could not create @${handle}: ${JSON.stringify(created.body)}`);
      return created.body.token as string;
    },
  };
}
