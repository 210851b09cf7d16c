/**
 * A bare HTTP client for fuzzing: node:http on kept-alive sockets (fetch costs several times more per
 * request, which decides whether ten thousand cases fit the budget), bodies as given, and event streams
 * cut off once their headers are in.
 */
import http from 'node:http';

export interface HttpAnswer {
  status: number;
  contentType: string;
  text: string;
}

export class HttpClient {
  private readonly agent = new http.Agent({ keepAlive: true, maxSockets: 64 });
  private readonly host: string;
  private readonly port: number;

  constructor(base: string) {
    const url = new URL(base);
    this.host = url.hostname;
    this.port = Number(url.port);
  }

  async request(
    method: string,
    path: string,
    headers: Record<string, string>,
    body?: string | Buffer,
    timeoutMs = 30_000,
    /**
     * An event stream is cut off at its headers (false), read to its end (true: an MCP answer ends its
     * stream), or read until its text matches (a RegExp).
     */
    readStreams: boolean | RegExp = false,
  ): Promise<HttpAnswer> {
    try {
      return await this.once(method, path, headers, body, timeoutMs, readStreams);
    } catch (error) {
      // A kept-alive socket the server closed after its last answer (as it does after a 413 or a 431)
      // fails the next request before it is read: that one is sent again, once, on a new socket.
      if (!(error as { reused?: boolean }).reused) throw error;
      return this.once(method, path, headers, body, timeoutMs, readStreams);
    }
  }

  private once(
    method: string,
    path: string,
    headers: Record<string, string>,
    body: string | Buffer | undefined,
    timeoutMs: number,
    readStreams: boolean | RegExp,
  ): Promise<HttpAnswer> {
    return new Promise<HttpAnswer>((resolve, reject) => {
      // Node frames a DELETE or OPTIONS body only when told its length; unframed, it would poison the socket.
      const length = body === undefined ? {} : { 'content-length': String(Buffer.byteLength(body)) };
      const request = http.request(
        { host: this.host, port: this.port, method, path, agent: this.agent, headers: { ...headers, ...length } },
        (response) => {
          const contentType = String(response.headers['content-type'] ?? '');
          const status = response.statusCode ?? 0;
          // A stream never ends by itself: its status and headers are the answer.
          if (contentType.includes('text/event-stream') && !readStreams) {
            response.destroy();
            resolve({ status, contentType, text: '' });
            return;
          }
          const chunks: Buffer[] = [];
          const until =
            readStreams instanceof RegExp && contentType.includes('text/event-stream') ? readStreams : undefined;
          response.on('data', (chunk: Buffer) => {
            chunks.push(chunk);
            const text = until && Buffer.concat(chunks).toString('utf8');
            if (text && until.test(text)) {
              response.destroy();
              resolve({ status, contentType, text });
            }
          });
          response.on('end', () => resolve({ status, contentType, text: Buffer.concat(chunks).toString('utf8') }));
          response.on('error', reject);
        },
      );
      request.setTimeout(timeoutMs, () => request.destroy(new Error(`no answer within ${timeoutMs} ms`)));
      request.on('error', (error: NodeJS.ErrnoException) => {
        const reset = error.code === 'ECONNRESET' || error.message === 'socket hang up';
        reject(Object.assign(error, { reused: reset && request.reusedSocket }));
      });
      request.end(body);
    });
  }

  close(): void {
    this.agent.destroy();
  }
}

/** encodeURIComponent, except that a lone surrogate goes as the bytes Node writes for it instead of throwing. */
export function percentEncode(text: string): string {
  let encoded = '';
  for (const byte of Buffer.from(text, 'utf8')) {
    const char = String.fromCharCode(byte);
    encoded += /[A-Za-z0-9\-_.!~*'()]/.test(char) ? char : `%${byte.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return encoded;
}

/** A path as Node will send it: bytes it refuses in a request line (spaces, controls, non-ASCII) percent-encoded. */
export function sendablePath(path: string): string {
  return path.replace(/[^\x21-\x7e]/gu, (char) => percentEncode(char));
}
