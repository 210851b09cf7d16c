/**
 * Server-sent events: the receive-only fallback for clients that cannot hold a WebSocket. Each
 * event's id carries the cursors of every room seen, so a reconnecting EventSource resumes
 * through `Last-Event-ID` exactly where it stopped. Sending goes through REST.
 */
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { CloseCode } from '@roundtable/protocol';
import { toHubError } from '../core/hub-error.js';
import type { Connection, Session } from '../core/sessions.js';
import type { TransportContext } from './context.js';
import { lazyFrames } from './lazy-frames.js';
import { parseCursorList } from './ws.js';

export function registerSse(root: FastifyInstance, context: TransportContext): void {
  const app = root.withTypeProvider<ZodTypeProvider>();
  app.get(
    '/api/v1/stream',
    {
      // A stream has no HEAD: Node would send nothing of it and keep the request open.
      exposeHeadRoute: false,
      schema: {
        tags: ['realtime'],
        summary: 'Server-sent events: the same frames as the WebSocket, receive only',
        description:
          'Resume with `cursors=roomId:seq,…` or the `Last-Event-ID` header (which an EventSource sends by itself). ' +
          'A browser may pass the token as `?token=`.',
        querystring: z.object({ cursors: z.string().max(20_000).optional(), token: z.string().optional() }),
      },
    },
    async (request, reply) => {
      const auth = request.auth!;
      const lastEventId = request.headers['last-event-id'];
      const cursors = parseCursorList(typeof lastEventId === 'string' ? lastEventId : request.query.cursors);
      reply.hijack();
      const response = reply.raw;
      // What hooks set on the reply (the CORS headers of an allowed origin) is written with the stream's own.
      for (const [name, value] of Object.entries(reply.getHeaders())) {
        if (value !== undefined) response.setHeader(name, value);
      }
      response.writeHead(200, {
        'content-type': 'text/event-stream; charset=utf-8',
        'cache-control': 'no-store',
        connection: 'keep-alive',
        'x-accel-buffering': 'no',
      });
      response.write('retry: 2000\n\n');

      let session: Session | undefined;
      let closed = false;
      const connection: Connection = {
        bind(bound) {
          session = bound;
        },
        pressure: () => response.writableLength / context.ws.maxBufferedBytes,
        sendLater(frame) {
          if (!closed) lazyFrames.add(connection, frame, connection.send);
        },
        send(frame) {
          if (closed) return;
          lazyFrames.flush(connection);
          if (response.writableLength > context.ws.maxBufferedBytes) {
            context.metrics.error('slow_consumer');
            connection.close(CloseCode.SlowConsumer, 'slow consumer');
            return;
          }
          const type = /^\{"type":"([^"]+)"/.exec(frame)?.[1] ?? 'message';
          // Every frame that moves a cursor carries them all, so Last-Event-ID resumes from any point.
          const id = session && CURSOR_FRAMES.has(type) ? `id: ${cursorsOf(session)}\n` : '';
          response.write(`${id}event: ${type}\ndata: ${frame}\n\n`);
        },
        close() {
          if (closed) return;
          closed = true;
          response.end();
          cleanup();
        },
      };
      const keepAlive = setInterval(() => response.write(': keep-alive\n\n'), context.sseKeepAliveMs);
      keepAlive.unref();
      const cleanup = () => {
        closed = true;
        lazyFrames.drop(connection);
        if (!response.writableEnded) response.end();
        clearInterval(keepAlive);
        context.connections.delete(connection);
        if (session) context.hub.fanout.detach(session);
      };
      context.connections.add(connection);
      request.raw.on('close', cleanup);
      try {
        await context.hub.fanout.attach(connection, auth, cursors);
        if (closed && session) context.hub.fanout.detach(session);
      } catch (error) {
        const hubError = toHubError(error);
        response.write(`event: error\ndata: ${JSON.stringify({ type: 'error', ...hubError.toBody() })}\n\n`);
        connection.close(CloseCode.GoingAway, hubError.code);
      }
    },
  );
}

/** Frames after which the client's cursors have moved (or, for `ready`, are first known). */
const CURSOR_FRAMES = new Set(['ready', 'event', 'synced']);

function cursorsOf(session: Session): string {
  const parts: string[] = [];
  for (const [room, state] of session.rooms) parts.push(`${room}:${state.cursor}`);
  return parts.join(',');
}
