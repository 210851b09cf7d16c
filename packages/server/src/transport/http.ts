/**
 * The HTTP application: error mapping to the registry, authentication, OpenAPI at /docs, and the
 * REST, SSE, WebSocket and simple routes. Listening is left to the caller.
 */
import fastifySwagger from '@fastify/swagger';
import fastifySwaggerUi from '@fastify/swagger-ui';
import fastifyStatic from '@fastify/static';
import fastifyWebsocket from '@fastify/websocket';
import { existsSync } from 'node:fs';
import { STATUS_CODES } from 'node:http';
import type { Socket } from 'node:net';
import { join } from 'node:path';
import Fastify, {
  type ConnectionError,
  type FastifyError,
  type FastifyInstance,
  type FastifyReply,
  type FastifyRequest,
} from 'fastify';
import {
  hasZodFastifySchemaValidationErrors,
  jsonSchemaTransform,
  serializerCompiler,
  validatorCompiler,
} from 'fastify-type-provider-zod';
import type { Logger } from 'pino';
import { CONTENT_TOO_LONG } from '@roundtable/protocol';
import { HubError, toHubError } from '../core/hub-error.js';
import type { Authenticated } from '../core/hub.js';
import type { RateLimit } from '../core/rate-limit.js';
import type { TransportContext } from './context.js';
import { registerBrowserProtections, type BrowserProtectionOptions } from './browser-protections.js';
import { registerMcp } from './mcp.js';
import { registerRoutes } from './routes.js';
import { registerSimple } from './simple.js';
import { registerSse } from './sse.js';
import { hasUnstorableText, parseUntrusted, requireStorable } from './untrusted-json.js';
import { registerWegent, WEGENT_PATHS } from './wegent.js';
import { registerWebSocket, tokenFrom } from './ws.js';

declare module 'fastify' {
  interface FastifyRequest {
    auth: Authenticated | null;
  }
  interface FastifyContextConfig {
    /** Routes that answer without a token. */
    public?: boolean;
  }
}

/**
 * Links into the web app (a setup or invite link, a message's permalink): each loads the app's
 * index.html, and the app reads the path. They take no input the hub reads, so they are no API.
 */
export const WEB_APP_PATHS = ['/setup', '/invite', '/m/:id'];

export interface HttpOptions {
  logger: Logger;
  /** Largest request body, in bytes. */
  bodyLimit: number;
  /** Requests per member over REST and the simple endpoints. */
  memberRequestLimit: RateLimit;
  /** Requests per client address to the routes that need no token (sign-in, registration). */
  anonymousRequestLimit: RateLimit;
  /** The built web UI; served at `/` when it holds an index.html. */
  webRoot: string;
  /** Who may call from a browser: see `registerBrowserProtections`. */
  browser: BrowserProtectionOptions;
  /** Reverse proxies whose `X-Forwarded-For` names the client (addresses or CIDR ranges, comma-separated). */
  trustProxy: string | undefined;
}

export async function buildApp(context: TransportContext, options: HttpOptions): Promise<FastifyInstance> {
  const app = Fastify({
    loggerInstance: options.logger,
    bodyLimit: options.bodyLimit,
    trustProxy: options.trustProxy ?? false,
    clientErrorHandler: answerClientError,
    // A URL the router cannot decode gets the registry's answer, not Fastify's own code with the URL echoed.
    frameworkErrors: (error, _request, reply) => {
      context.metrics.error('invalid_request');
      const body = new HubError('invalid_request', 'The URL is not valid.', { cause: error }).toBody();
      void (reply as unknown as FastifyReply).status(400).send(body);
    },
  }) as unknown as FastifyInstance;
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
  app.decorateRequest('auth', null);
  // Every JSON body (REST, the simple endpoints, /mcp) goes through the same bounded parser as a WebSocket frame.
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (_request, body, done) => {
    try {
      const value = parseUntrusted(body as string);
      requireStorable(body as string, value);
      done(null, value);
    } catch (error) {
      done(error as Error, undefined);
    }
  });

  app.setErrorHandler((error: FastifyError, request, reply) => {
    const hubError = toRequestError(error);
    context.metrics.error(hubError.code);
    if (hubError.code === 'internal') request.log.error({ err: error }, 'request failed');
    if (hubError.retryAfterMs !== undefined) reply.header('retry-after', Math.ceil(hubError.retryAfterMs / 1000));
    return reply.status(hubError.status).send(hubError.toBody());
  });
  app.setNotFoundHandler((request, reply) => {
    context.metrics.error('route_not_found');
    return reply
      .status(404)
      .send(new HubError('route_not_found', `No endpoint ${request.method} ${request.url.split('?')[0]}.`).toBody());
  });

  await app.register(fastifySwagger, {
    openapi: {
      info: {
        title: 'Roundtable',
        description:
          'REST API of the Roundtable hub. Real-time traffic uses the WebSocket protocol at /ws (see docs/protocol.md).',
        version: context.hub.version,
      },
      components: {
        securitySchemes: { bearer: { type: 'http', scheme: 'bearer', description: 'A member token (rt_…)' } },
      },
      security: [{ bearer: [] }],
    },
    transform: jsonSchemaTransform,
  });
  await app.register(fastifySwaggerUi, {
    routePrefix: '/docs',
    // Its own policy, with hashes for its inline scripts; never framed, and no upgrade of a plain-HTTP hub's requests.
    staticCSP: true,
    transformStaticCSP: (header) =>
      header.replace("frame-ancestors 'self'", "frame-ancestors 'none'").replace(/\s*upgrade-insecure-requests;?/, ''),
  });
  await app.register(fastifyWebsocket, {
    // The hub tracks its own connections (and closes them on shutdown): ws's client set would be a second copy.
    options: { maxPayload: Math.max(context.ws.maxFrameBytes * 4, 1 << 20), clientTracking: false },
  });
  // After the WebSocket plugin's own hook, which marks an upgrade so that a refused one has its socket ended.
  await registerBrowserProtections(app, options.browser);

  const limit = async (key: string, rate: RateLimit) => {
    const wait = await context.limiter.take(key, rate);
    if (wait > 0) throw new HubError('rate_limited', undefined, { retryAfterMs: wait });
  };

  // The web UI's files need no token: the page signs in by itself.
  const webRoutes = new Set<string>();
  if (existsSync(join(options.webRoot, 'index.html'))) {
    await app.register(async (web) => {
      web.addHook('onRoute', (route) => void webRoutes.add(route.url));
      await web.register(fastifyStatic, { root: options.webRoot, prefix: '/', wildcard: false });
      for (const url of WEB_APP_PATHS) {
        web.get(url, { schema: { hide: true } }, (_request, reply) => reply.sendFile('index.html'));
      }
    });
  }

  // Path parameters and query strings are decoded text too: what no store can hold is refused as it is for bodies.
  app.addHook('preValidation', async (request: FastifyRequest) => {
    if (hasUnstorableText(request.params) || hasUnstorableText(request.query)) {
      throw new HubError('invalid_request', 'Text may not contain NUL characters or unpaired surrogates.');
    }
  });

  app.addHook('onRequest', async (request: FastifyRequest) => {
    if (webRoutes.has(request.routeOptions.url ?? '')) return;
    // WebSocket routes authenticate themselves, so that a bad token gets a close code a browser can read.
    if (
      request.routeOptions.config.public ||
      request.routeOptions.url?.startsWith('/ws') ||
      (WEGENT_PATHS as readonly string[]).includes(request.routeOptions.url ?? '') ||
      !request.routeOptions.url
    ) {
      if (request.routeOptions.config.public) await limit(`ip:${request.ip}`, options.anonymousRequestLimit);
      return;
    }
    if (request.routeOptions.url.startsWith('/docs')) return;
    request.auth = await context.hub.accounts.authenticate(tokenFrom(request));
    await limit(`req:${request.auth.member.id}`, options.memberRequestLimit);
  });

  registerRoutes(app, context);
  registerSimple(app, context);
  registerSse(app, context);
  registerWebSocket(app, context);
  registerWegent(app, context);
  registerMcp(app, context);
  return app;
}

/**
 * What Node could not parse as an HTTP request (a request line and headers over 16 KiB, broken
 * syntax, a client too slow to send them) gets a registered code too; a HEAD request gets no body.
 */
function answerClientError(error: ConnectionError, socket: Socket): void {
  if (error.code === 'ECONNRESET' || socket.destroyed || !socket.writable) return;
  const refusal =
    error.code === 'HPE_HEADER_OVERFLOW'
      ? new HubError('frame_too_large', 'The request line and headers are larger than the hub accepts (16 KiB).')
      : new HubError('invalid_request', 'The request is not valid HTTP, or it did not arrive in time.');
  // Fastify's type shows the packet as JSON would; Node hands over the Buffer itself.
  const packet: unknown = error.rawPacket;
  const head = Buffer.isBuffer(packet) && packet.subarray(0, 5).toString('latin1') === 'HEAD ';
  const body = head ? '' : JSON.stringify(refusal.toBody());
  socket.end(
    `HTTP/1.1 ${refusal.status} ${STATUS_CODES[refusal.status]}\r\nContent-Type: application/json\r\n` +
      `Content-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
  );
}

/** Fastify's own errors, mapped onto the registry. */
function toRequestError(error: FastifyError): HubError {
  if (error instanceof HubError) return error;
  if (hasZodFastifySchemaValidationErrors(error)) {
    const issues = error.validation.map((issue) => ({
      path: `${error.validationContext ?? ''}${issue.instancePath.replaceAll('/', '.')}`,
      message: issue.message,
    }));
    const contentTooLong = issues.some((issue) => issue.message === CONTENT_TOO_LONG);
    return new HubError(contentTooLong ? 'content_too_long' : 'invalid_request', undefined, {
      details: { issues },
      cause: error,
    });
  }
  if (error.code === 'FST_ERR_CTP_BODY_TOO_LARGE') return new HubError('frame_too_large', undefined, { cause: error });
  if (
    error.code === 'FST_ERR_CTP_INVALID_JSON_BODY' ||
    error instanceof SyntaxError ||
    error.code === 'FST_ERR_CTP_EMPTY_JSON_BODY'
  ) {
    return new HubError('bad_json', undefined, { cause: error });
  }
  if (typeof error.statusCode === 'number' && error.statusCode >= 400 && error.statusCode < 500) {
    return new HubError('invalid_request', error.message, { cause: error });
  }
  return toHubError(error);
}
