/** The composition root's reusable half: wires a store, a bus, the hub and the transports from a Config. */
import type { FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import { LocalBus } from './bus/local-bus.js';
import { LocalRateLimiter } from './core/rate-limit.js';
import type { Config } from './config.js';
import { Hub } from './core/hub.js';
import { HostedAgents } from './hosted-agents.js';
import { systemClock, type Bus, type Clock, type RateLimiter, type Store } from './core/ports.js';
import { createLogger } from './observability/logger.js';
import { Metrics } from './observability/metrics.js';
import { SqliteStore } from './storage/sqlite/sqlite-store.js';
import type { TransportContext } from './transport/context.js';
import { buildApp } from './transport/http.js';
import { LocalMcpSessions, type McpSessionStore } from './transport/mcp-sessions.js';

export const VERSION = '0.1.0';

export interface RunningServer {
  app: FastifyInstance;
  hub: Hub;
  store: Store;
  url: string;
  /** Set on the very first start of an empty database: the first admin's token, shown once. */
  adminToken: string | undefined;
  /** Set with adminToken: the code of the setup link (`<url>/setup#<code>`), single use, valid 1 hour. */
  setupCode: string | undefined;
  /** Graceful stop: refuse new work, close connections, flush and close the store. */
  close(): Promise<void>;
}

export interface ServerParts {
  logger?: Logger;
  clock?: Clock;
  store?: Store;
  bus?: Bus;
}

export async function startServer(config: Config, parts: ServerParts = {}): Promise<RunningServer> {
  const text = config.logFormat === 'text' || (config.logFormat === 'auto' && process.stdout.isTTY === true);
  const logger = parts.logger ?? createLogger(config.logLevel, undefined, text ? 'text' : 'json');
  const clock = parts.clock ?? systemClock;
  const onCommitError = (error: unknown) => logger.error({ err: error }, 'store commit failed');
  const store = parts.store ?? (await openStore(config, onCommitError));
  const bus = parts.bus ?? (await openBus(config, logger));
  const limiter = await openRateLimiter(config, logger, clock);
  const mcpSessions = await openMcpSessions(config, logger, clock);
  const hub = new Hub({
    rateLimiter: limiter,
    store,
    bus,
    clock,
    logger,
    version: VERSION,
    openRegistration: config.openRegistration,
    defaultAgentDepthLimit: config.agentDepthLimit,
    memberRateLimit: config.memberMessages,
    heartbeatMs: config.heartbeatMs,
    streamIdleMs: config.streamIdleMs,
    activityTtlMs: config.activityTtlMs,
    taskReaperIntervalMs: config.taskReaperIntervalMs,
    taskEscalateAfterMs: config.taskEscalateAfterMs,
    agentTokenBudget: config.agentTokenBudget,
    agentWakesPerMinute: config.agentWakesPerMinute,
    sessionIdleTtlMs: config.sessionIdleTtlMs,
    sessionMaxTtlMs: config.sessionMaxTtlMs,
    maxConnectionsPerMember: config.maxConnectionsPerMember,
    agentRepeatLimit: config.agentRepeatLimit,
    defaultRoom: config.defaultRoom,
    maxFrameBytes: config.maxFrameBytes,
    // With other instances about, a stream still open in the store may be one of theirs.
    endStreamsAtStart: !config.redisUrl,
  });
  const { adminToken, setupCode } = await hub.start();
  const agents = new HostedAgents(hub, store, clock, logger);
  const context: TransportContext = {
    hub,
    log: logger,
    agents,
    clock,
    metrics: new Metrics(hub),
    limiter,
    bus,
    mcpSessions,
    ws: {
      maxFrameBytes: config.maxFrameBytes,
      maxBufferedBytes: config.maxBufferedBytes,
      authTimeoutMs: config.authTimeoutMs,
      connectionRateLimit: config.connectionFrames,
    },
    connections: new Set(),
    defaultRoom: config.defaultRoom,
    sseKeepAliveMs: config.sseKeepAliveMs,
  };
  const app = await buildApp(context, {
    logger,
    bodyLimit: config.maxFrameBytes,
    memberRequestLimit: config.memberRequests,
    anonymousRequestLimit: config.anonymousRequests,
    webRoot: config.webRoot,
    browser: { host: config.host, allowedOrigins: config.allowedOrigins },
    trustProxy: config.trustProxy,
  });
  await app.listen({ host: config.host, port: config.port });
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : config.port;
  const host = config.host.includes(':') ? `[${config.host}]` : config.host;

  const url = `http://${host}:${port}`;
  let closing: Promise<void> | undefined;
  const close = () =>
    (closing ??= (async () => {
      await agents.stop();
      hub.stop();
      for (const connection of [...context.connections]) connection.close(1001, 'server shutting down');
      await app.close();
      await hub.close();
      await store.close();
      await bus.close();
      await limiter.close();
      await mcpSessions.close();
    })());
  try {
    await agents.start(ownUrl(config.host, port), config.agentsFile);
  } catch (error) {
    await close();
    throw error;
  }
  return { app, hub, store, url, adminToken, setupCode, close };
}

/** Agents connect to the hub like any client; a hub listening on every interface is reached on loopback. */
function ownUrl(host: string, port: number): string {
  const reachable =
    host === '0.0.0.0' ? '127.0.0.1' : host === '::' ? '[::1]' : host.includes(':') ? `[${host}]` : host;
  return `http://${reachable}:${port}`;
}

// PostgreSQL and Redis clients are loaded only when configured: the default single-process hub does
// not carry them (about 20 MB of resident memory).

async function openStore(config: Config, onCommitError: (error: unknown) => void): Promise<Store> {
  if (!config.databaseUrl) return new SqliteStore({ path: config.databasePath, onCommitError });
  const { PgStore } = await import('./storage/postgres/pg-store.js');
  return PgStore.open({
    url: config.databaseUrl,
    schema: config.databaseSchema,
    poolSize: config.databasePoolSize,
    onCommitError,
  });
}

async function openBus(config: Config, logger: Logger): Promise<Bus> {
  if (!config.redisUrl) return new LocalBus();
  const { RedisBus } = await import('./bus/redis-bus.js');
  return RedisBus.open({
    url: config.redisUrl,
    prefix: config.redisPrefix,
    onError: (error) => logger.warn({ err: error }, 'redis connection error'),
  });
}

async function openMcpSessions(config: Config, logger: Logger, clock: Clock): Promise<McpSessionStore> {
  if (!config.redisUrl) return new LocalMcpSessions(clock);
  const { RedisMcpSessions } = await import('./transport/redis-mcp-sessions.js');
  return RedisMcpSessions.open({
    url: config.redisUrl,
    prefix: config.redisPrefix,
    onError: (error) => logger.warn({ err: error }, 'redis mcp session store error'),
  });
}

async function openRateLimiter(config: Config, logger: Logger, clock: Clock): Promise<RateLimiter> {
  if (!config.redisUrl) return new LocalRateLimiter(clock);
  const { RedisRateLimiter } = await import('./limits/redis-rate-limiter.js');
  return RedisRateLimiter.open({
    url: config.redisUrl,
    prefix: config.redisPrefix,
    onError: (error) => logger.warn({ err: error }, 'redis rate limiter error; limits not enforced meanwhile'),
  });
}
