/** A thin fetch wrapper for the hub's REST API: bearer credentials in, parsed JSON or RoundtableError out. */
import type { AgentUsageQuery, AgentUsageReport, ErrorBody, Group, Member } from '@roundtable/protocol';
import { RoundtableError } from './errors.js';

export interface RestOptions {
  /** The hub's base URL, e.g. `https://chat.example.com`; relative URLs work in a browser. */
  url: string;
  /** Sent as `Authorization: Bearer <token>`; `login` and `register` set it. */
  token?: string;
  /** Injectable for tests and unusual runtimes. Default: the global fetch, looked up at each call. */
  fetch?: typeof globalThis.fetch;
}

export interface AuthResult {
  member: Member;
  token: string;
}

export type Query = Record<string, string | number | boolean | null | undefined>;

export class RestClient {
  token: string | undefined;
  private readonly base: string;
  private readonly fetch: typeof globalThis.fetch;

  constructor(options: RestOptions) {
    this.base = options.url.replace(/\/+$/, '');
    this.token = options.token;
    // Looked up late, and never called as a method of this object: browsers reject fetch with a foreign `this`.
    this.fetch = options.fetch ?? ((input, init) => globalThis.fetch(input, init));
  }

  async register(params: { handle: string; password: string; display_name?: string }): Promise<AuthResult> {
    const result = await this.post<AuthResult>('/api/v1/auth/register', params);
    this.token = result.token;
    return result;
  }

  async login(params: { handle: string; password: string }): Promise<AuthResult> {
    const result = await this.post<AuthResult>('/api/v1/auth/login', params);
    this.token = result.token;
    return result;
  }

  me(): Promise<{ member: Member }> {
    return this.get('/api/v1/me');
  }

  /**
   * Tokens each agent reported, per room and UTC day, from `since` to `until` (YYYY-MM-DD, both
   * included; default the last 7 days, at most 366). Admins only.
   */
  agentUsage(query: AgentUsageQuery = {}): Promise<AgentUsageReport> {
    return this.get('/api/v1/agents/usage', query);
  }

  /** Every group of members (teams), each with its members' handles. */
  async groups(): Promise<Group[]> {
    return (await this.get<{ groups: Group[] }>('/api/v1/groups')).groups;
  }

  /** One group by handle (`group_not_found` for none). */
  async group(handle: string): Promise<Group> {
    return (await this.get<{ group: Group }>(`/api/v1/groups/${encodeURIComponent(handle)}`)).group;
  }

  /** `path` is from the host root, e.g. `/api/v1/rooms`; null and undefined query values are left out. */
  get<T = unknown>(path: string, query?: Query): Promise<T> {
    return this.call('GET', path + queryString(query));
  }

  post<T = unknown>(path: string, body?: unknown): Promise<T> {
    return this.call('POST', path, body);
  }

  patch<T = unknown>(path: string, body?: unknown): Promise<T> {
    return this.call('PATCH', path, body);
  }

  put<T = unknown>(path: string, body?: unknown): Promise<T> {
    return this.call('PUT', path, body);
  }

  delete<T = unknown>(path: string, body?: unknown): Promise<T> {
    return this.call('DELETE', path, body);
  }

  private async call<T>(method: string, path: string, body?: unknown): Promise<T> {
    const headers: Record<string, string> = { accept: 'application/json' };
    if (body !== undefined) headers['content-type'] = 'application/json';
    if (this.token) headers.authorization = `Bearer ${this.token}`;
    const response = await this.fetch(this.base + path, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await response.text();
    let json: unknown;
    try {
      json = text === '' ? undefined : JSON.parse(text);
    } catch (cause) {
      if (response.ok) throw new RoundtableError('internal', `${method} ${path}: the answer is not JSON`, { cause });
    }
    if (!response.ok) throw errorFrom(response, json);
    return json as T;
  }
}

function queryString(query: Query | undefined): string {
  if (!query) return '';
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query)) {
    if (value !== undefined && value !== null) params.append(key, String(value));
  }
  const text = params.toString();
  return text === '' ? '' : `?${text}`;
}

/** A proxy in front of the hub may answer with HTML or nothing: that still becomes a RoundtableError. */
function errorFrom(response: Response, json: unknown): RoundtableError {
  const body = json as Partial<ErrorBody> | undefined;
  if (body && typeof body.message === 'string' && typeof body.code === 'string') {
    return RoundtableError.from(body as ErrorBody);
  }
  return new RoundtableError('internal', `HTTP ${response.status} ${response.statusText}`.trim(), {
    details: { status: response.status, body: json },
  });
}
