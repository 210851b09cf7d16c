/** @module @roundtable/server: the hub, its ports and adapters, for the CLI, tests and benchmarks. */
export { Hub, type HubOptions } from './core/hub.js';
export { HubError } from './core/hub-error.js';
export type * from './core/ports.js';
export { LocalBus } from './bus/local-bus.js';
export { RedisBus } from './bus/redis-bus.js';
export { SqliteStore } from './storage/sqlite/sqlite-store.js';
export { PgStore } from './storage/postgres/pg-store.js';
export { isDumpRecord, type DumpRecord } from './core/dump.js';
export { loadConfig, type Config } from './config.js';
export { startServer, VERSION, type RunningServer } from './server.js';
export { createLogger } from './observability/logger.js';
export { runUntilSignalled, startupBanner } from './run.js';
