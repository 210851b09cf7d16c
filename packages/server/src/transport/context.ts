/** What every transport shares: the hub, the clock, limits, metrics and the set of open connections. */
import type { FastifyBaseLogger } from 'fastify';
import type { HostedAgents } from '../hosted-agents.js';
import type { Hub } from '../core/hub.js';
import type { Bus, Clock, RateLimiter } from '../core/ports.js';
import type { RateLimit } from '../core/rate-limit.js';
import type { Metrics } from '../observability/metrics.js';
import type { McpSessionStore } from './mcp-sessions.js';

export interface Closable {
  close(code: number, reason: string): void;
}

export interface WsOptions {
  /** Largest frame accepted, in bytes; larger ones get `frame_too_large` and are dropped. */
  maxFrameBytes: number;
  /** Outgoing bytes a connection may have queued before it is closed as a slow consumer. */
  maxBufferedBytes: number;
  /** How long (ms) a connection may stay unauthenticated. */
  authTimeoutMs: number;
  /** Frames per connection. */
  connectionRateLimit: RateLimit;
}

export interface TransportContext {
  hub: Hub;
  /** For defects met outside any one request's own logger. */
  log: FastifyBaseLogger;
  /** The LLM agents this hub runs: from its agents file, and defined through the API. */
  agents: HostedAgents;
  clock: Clock;
  metrics: Metrics;
  /** Per-member and per-address request limits, shared across instances when Redis is configured. */
  limiter: RateLimiter;
  ws: WsOptions;
  /** The bus the hub runs on: the MCP endpoint tells the other instances of its sessions' changes. */
  bus: Bus;
  /** MCP sessions, shared by every instance when Redis is configured. */
  mcpSessions: McpSessionStore;
  /** Every open WebSocket and SSE connection, so shutdown can close them all. */
  connections: Set<Closable>;
  defaultRoom: string;
  /** Interval (ms) of SSE keep-alive comments. */
  sseKeepAliveMs: number;
}
