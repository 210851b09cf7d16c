/** @module @roundtable/testkit: what every package's tests share to run against a real hub. */
export * from './hub.js';
export * from './raw-client.js';
export * from './eventually.js';
export * from './skew-clock.js';
export * from './services.js';
export * from './cluster.js';
export * from './balancer.js';
export * from './run-cli.js';
export * from './fake-model.js';
export * from './mcp.js';
export * from './wegent-client.js';
