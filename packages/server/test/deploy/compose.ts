/**
 * deploy/ as its tests see it: compose.yaml read as Docker Compose reads it (YAML merge keys, then
 * `${VAR}` interpolation from deploy/.env.example), and deploy/haproxy.cfg run by a real HAProxy on
 * 127.0.0.1 with only its listen addresses and hub addresses changed.
 */
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestContext } from 'node:test';
import { parse } from 'yaml';

export const ROOT = join(import.meta.dirname, '../../../..');
export const DEPLOY = join(ROOT, 'deploy');

export type Service = Record<string, any>;
export type Compose = { services: Record<string, Service> } & Record<string, any>;

/** The compose file as parsed, merge keys resolved and `${VAR}` left as written. */
export function composeFile(): Compose {
  return parse(readFileSync(join(DEPLOY, 'compose.yaml'), 'utf8'), { merge: true });
}

/** deploy/.env.example as `docker compose` would read it were it deploy/.env. */
export function envExample(): Record<string, string> {
  const vars: Record<string, string> = {};
  for (const line of readFileSync(join(DEPLOY, '.env.example'), 'utf8').split('\n')) {
    const trimmed = line.trim();
    if (trimmed === '' || trimmed.startsWith('#')) continue;
    const match = /^([A-Za-z_][A-Za-z0-9_]*)=(.*)$/.exec(trimmed);
    if (!match) throw new Error(`deploy/.env.example: not a KEY=value line: ${line}`);
    vars[match[1]!] = match[2]!;
  }
  return vars;
}

/** The names of every variable the compose file interpolates. */
export function composeVariables(text = readFileSync(join(DEPLOY, 'compose.yaml'), 'utf8')): Set<string> {
  const names = new Set<string>();
  for (const match of text.replaceAll('$$', '').matchAll(/\$\{([A-Za-z_][A-Za-z0-9_]*)|\$([A-Za-z_][A-Za-z0-9_]*)/g))
    names.add((match[1] ?? match[2])!);
  return names;
}

/**
 * Compose's interpolation of one string: `$$`, `$VAR`, `${VAR}`, and `${VAR…}` with `:-`, `-`, `:?`,
 * `?`, `:+` and `+`. Anything else (a nested `${`) throws rather than pass unread.
 */
export function interpolate(text: string, vars: Record<string, string>): string {
  return text.replace(
    /\$\$|\$\{([A-Za-z_][A-Za-z0-9_]*)(?:(:?[-?+])([^}]*))?\}|\$([A-Za-z_][A-Za-z0-9_]*)|\$\{[^}]*\}?/g,
    (whole, braced?: string, operator?: string, argument?: string, bare?: string) => {
      if (whole === '$$') return '$';
      const name = braced ?? bare;
      if (name === undefined) throw new Error(`unsupported interpolation ${whole}`);
      if (argument?.includes('$')) throw new Error(`unsupported nested interpolation ${whole}`);
      const value = vars[name];
      const set = value !== undefined;
      const nonEmpty = set && value !== '';
      switch (operator) {
        case undefined:
          return value ?? '';
        case ':-':
          return nonEmpty ? value : argument!;
        case '-':
          return set ? value : argument!;
        case ':?':
          if (!nonEmpty) throw new Error(`${name}: ${argument}`);
          return value;
        case '?':
          if (!set) throw new Error(`${name}: ${argument}`);
          return value;
        case ':+':
          return nonEmpty ? argument! : '';
        default:
          return set ? argument! : '';
      }
    },
  );
}

/** The whole file with every string interpolated, as `docker compose config` would give it. */
export function resolvedCompose(vars: Record<string, string>): Compose {
  const walk = (value: unknown): unknown => {
    if (typeof value === 'string') return interpolate(value, vars);
    if (Array.isArray(value)) return value.map(walk);
    if (value && typeof value === 'object')
      return Object.fromEntries(Object.entries(value).map(([key, inner]) => [key, walk(inner)]));
    return value;
  };
  return walk(composeFile()) as Compose;
}

/** The services that run the hub: those built from deploy/Dockerfile. */
export function hubServices(compose: Compose): [string, Service][] {
  return Object.entries(compose.services).filter(([, service]) => service.build?.dockerfile === 'deploy/Dockerfile');
}

/** A service's environment as strings (compose accepts numbers and booleans and passes them as text). */
export function environment(service: Service): Record<string, string> {
  const env = service.environment ?? {};
  if (Array.isArray(env)) throw new Error('write environment as a map, so the tests can read it');
  return Object.fromEntries(Object.entries(env).map(([key, value]) => [key, value === null ? '' : String(value)]));
}

export function haproxyConfig(): string {
  return readFileSync(join(DEPLOY, 'haproxy.cfg'), 'utf8');
}

/** The lines of one section (`backend hubs`) of an HAProxy configuration, comments and blanks left out. */
export function section(config: string, header: string): string[] {
  const lines: string[] = [];
  let inside = false;
  for (const raw of config.split('\n')) {
    const line = raw.replace(/#.*$/, '').trimEnd();
    if (line.trim() === '') continue;
    if (!/^\s/.test(line)) {
      inside = line.trim() === header;
      continue;
    }
    if (inside) lines.push(line.trim());
  }
  if (lines.length === 0) throw new Error(`no section "${header}" in the HAProxy configuration`);
  return lines;
}

/** The `server` lines of a backend: name, host and port. */
export function haproxyServers(config: string, backend = 'hubs'): { name: string; host: string; port: number }[] {
  return section(config, `backend ${backend}`)
    .map((line) => /^server\s+(\S+)\s+([^\s:]+):(\d+)/.exec(line))
    .filter((match) => match !== null)
    .map((match) => ({ name: match[1]!, host: match[2]!, port: Number(match[3]) }));
}

/**
 * deploy/haproxy.cfg for a test: each `bind :PORT` becomes `bind 127.0.0.1:<binds[PORT]>`, and each
 * `server NAME HOST:PORT` becomes `server NAME 127.0.0.1:<servers[NAME]>`. Every other line is kept
 * as it is; a bind or server the test does not map throws.
 */
export function testHaproxyConfig(
  config: string,
  binds: Record<number, number>,
  servers: Record<string, number>,
): string {
  return config
    .split('\n')
    .map((line) => {
      const bind = /^(\s*bind\s+):(\d+)(.*)$/.exec(line);
      if (bind) {
        const port = binds[Number(bind[2])];
        if (port === undefined) throw new Error(`the test maps no port for "${line.trim()}"`);
        return `${bind[1]}127.0.0.1:${port}${bind[3]}`;
      }
      if (/^\s*bind\s/.test(line)) throw new Error(`a bind the test cannot rewrite: "${line.trim()}"`);
      const server = /^(\s*server\s+(\S+)\s+)[^\s:]+:\d+(.*)$/.exec(line);
      if (server) {
        const port = servers[server[2]!];
        if (port === undefined) throw new Error(`the test maps no address for "${line.trim()}"`);
        return `${server[1]}127.0.0.1:${port}${server[3]}`;
      }
      return line;
    })
    .join('\n');
}

/** The HAProxy binary, or undefined when it is not installed (Debian puts it in /usr/sbin, off a user's PATH). */
export const HAPROXY = ['haproxy', '/usr/sbin/haproxy', '/usr/local/sbin/haproxy'].find(
  (candidate) => spawnSync(candidate, ['-v'], { encoding: 'utf8' }).status === 0,
);

/** Undefined when HAProxy is installed; otherwise the reason to skip (never in CI, where it throws). */
export function haproxySkip(): string | undefined {
  if (HAPROXY) return undefined;
  const how = 'install it (apt-get install -y haproxy); .ci/run installs it by itself';
  if (process.env.CI === 'true') throw new Error(`HAProxy is not installed, and CI=true: ${how}`);
  const line = `\n!!! SKIPPED: the HAProxy checks of deploy/ did not run: HAProxy is not installed. To run them, ${how}.\n`;
  process.stderr.write(line);
  return line.trim();
}

/** `haproxy -c`: whether the file is valid, and what HAProxy said. */
export function checkHaproxyConfig(path: string): { status: number | null; output: string } {
  const checked = spawnSync(HAPROXY!, ['-c', '-f', path], { encoding: 'utf8' });
  return { status: checked.status, output: `${checked.stdout}${checked.stderr}` };
}

export interface ServerState {
  /** `UP`, `DOWN`, `MAINT`, or a transition such as `UP 1/2`. */
  status: string;
  /** Sessions open now, and since HAProxy started. */
  current: number;
  total: number;
}

export interface RunningHaproxy {
  url: string;
  /** The `hubs` backend's servers as HAProxy's status page reports them. */
  servers(): Promise<Map<string, ServerState>>;
  /** What HAProxy printed, for failure messages. */
  output(): string;
}

/** HAProxy in the foreground on `config`, killed when the test ends. */
export async function startHaproxy(
  t: TestContext,
  config: string,
  ports: { listen: number; stats: number },
): Promise<RunningHaproxy> {
  const dir = mkdtempSync(join(tmpdir(), 'roundtable-haproxy-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const path = join(dir, 'haproxy.cfg');
  writeFileSync(path, config);
  const child = spawn(HAPROXY!, ['-db', '-f', path], { stdio: ['ignore', 'pipe', 'pipe'] });
  let printed = '';
  // Its log goes to stdout: read it always, so a full pipe never holds HAProxy up.
  const keep = (chunk: Buffer) => void (printed = (printed + chunk.toString()).slice(-20_000));
  child.stdout.on('data', keep);
  child.stderr.on('data', keep);
  t.after(async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGKILL');
    await exited;
  });
  const statsUrl = `http://127.0.0.1:${ports.stats}/;csv`;
  const servers = async () => {
    const text = await (await fetch(statsUrl)).text();
    const [header, ...rows] = text.trim().split('\n');
    const columns = header!.replace(/^# /, '').split(',');
    const column = (name: string) => {
      const index = columns.indexOf(name);
      if (index === -1) throw new Error(`HAProxy's CSV has no column ${name}`);
      return index;
    };
    const [proxy, name, status, current, total] = ['pxname', 'svname', 'status', 'scur', 'stot'].map(column);
    const states = new Map<string, ServerState>();
    for (const row of rows) {
      const cells = row.split(',');
      if (cells[proxy!] !== 'hubs' || cells[name!] === 'BACKEND') continue;
      states.set(cells[name!]!, {
        status: cells[status!]!,
        current: Number(cells[current!]),
        total: Number(cells[total!]),
      });
    }
    return states;
  };
  const deadline = Date.now() + 10_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`HAProxy exited with ${child.exitCode}: ${printed}`);
    try {
      await servers();
      break;
    } catch (error) {
      if (Date.now() > deadline) throw new Error(`HAProxy did not start: ${printed}`, { cause: error });
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }
  return { url: `http://127.0.0.1:${ports.listen}`, servers, output: () => printed };
}
