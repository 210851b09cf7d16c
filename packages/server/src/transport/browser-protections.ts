/**
 * What keeps a browser from being turned against the hub: requests from other web origins are
 * refused (a page elsewhere, or one reaching a loopback hub through DNS rebinding, must not drive
 * /mcp, the WebSocket or the API with a token it found), and every response tells the browser not
 * to frame it, sniff it, leak its address or run anything but the hub's own scripts.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import fastifyCors from '@fastify/cors';
import { isIP } from 'node:net';
import { HubError } from '../core/hub-error.js';

export interface BrowserProtectionOptions {
  /** The address the hub listens on: a loopback hub answers only to loopback host names. */
  host: string;
  /** Origins (`https://chat.example.com`) allowed besides the hub's own. */
  allowedOrigins: readonly string[];
}

/** The web UI's policy: its own scripts and styles only, no framing, no plugins, connections home only. */
function contentSecurityPolicy(request: FastifyRequest): string {
  const host = request.headers.host;
  const sockets = host && /^[\w.:[\]-]+$/.test(host) ? ` ws://${host} wss://${host}` : '';
  return [
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' data:",
    "font-src 'self'",
    `connect-src 'self'${sockets}`,
    "object-src 'none'",
    "base-uri 'none'",
    "form-action 'self'",
    "frame-ancestors 'none'",
  ].join('; ');
}

export async function registerBrowserProtections(
  app: FastifyInstance,
  options: BrowserProtectionOptions,
): Promise<void> {
  const allowed = new Set(options.allowedOrigins.map(normalizeOrigin));
  const loopbackOnly = isLoopback(options.host);

  app.addHook('onRequest', async (request: FastifyRequest) => {
    const origin = request.headers.origin;
    // Browsers always send Origin on WebSocket upgrades and on requests that change state; tools send none.
    if (origin === undefined) return;
    if (allowed.has(normalizeOrigin(origin))) return;
    const host = request.headers.host?.toLowerCase();
    const sameOrigin = host !== undefined && hostOf(origin) === host;
    if (sameOrigin && (!loopbackOnly || isLoopback(hostname(host)))) return;
    throw new HubError(
      'origin_not_allowed',
      `Requests from ${origin.slice(0, 200)} are not accepted; an operator may add it to CORS_ORIGINS.`,
    );
  });

  // Pages of the allowed origins call the API from elsewhere: answer their preflights, and let them read the answers.
  await app.register(fastifyCors, {
    origin: (origin, done) => done(null, origin !== undefined && allowed.has(normalizeOrigin(origin))),
    methods: ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'],
    allowedHeaders: ['authorization', 'content-type', 'last-event-id', 'mcp-session-id', 'mcp-protocol-version'],
    exposedHeaders: ['mcp-session-id', 'retry-after'],
    maxAge: 600,
  });

  app.addHook('onSend', async (request: FastifyRequest, reply: FastifyReply) => {
    reply.header('x-content-type-options', 'nosniff');
    reply.header('referrer-policy', 'no-referrer');
    reply.header('x-frame-options', 'DENY');
    // A route with a policy of its own (the API docs page) keeps it.
    if (!reply.hasHeader('content-security-policy'))
      reply.header('content-security-policy', contentSecurityPolicy(request));
  });
}

/** An origin as browsers send it (`https://x:443/` is `https://x`); text that is no origin stays as given. */
function normalizeOrigin(origin: string): string {
  try {
    const { origin: canonical } = new URL(origin.trim());
    return canonical === 'null' ? origin.trim().toLowerCase() : canonical;
  } catch {
    return origin.trim().toLowerCase();
  }
}

/** `host[:port]` of an origin as a Host header would name it, or undefined for `null` and garbage. */
function hostOf(origin: string): string | undefined {
  try {
    return new URL(origin).host.toLowerCase();
  } catch {
    return undefined;
  }
}

function hostname(host: string): string {
  if (host.startsWith('[')) return host.slice(1, host.indexOf(']'));
  const colon = host.lastIndexOf(':');
  return colon === -1 ? host : host.slice(0, colon);
}

function isLoopback(name: string): boolean {
  const bare = name.toLowerCase();
  if (bare === 'localhost' || bare.endsWith('.localhost')) return true;
  if (isIP(bare) === 4) return bare.startsWith('127.');
  return bare === '::1';
}
