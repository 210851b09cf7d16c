/** @module @roundtable/protocol: the wire contract shared by the hub, the SDK, the CLI and the web UI. */
export * from './version.js';
export * from './errors.js';
export * from './close-codes.js';
export * from './limits.js';
export * from './json-depth.js';
export * from './model.js';
export * from './events.js';
export * from './frames.js';
export * from './mentions.js';
export * from './tasks.js';
export * from './memory.js';
export * from './search.js';
export * from './conversations.js';
export * from './budget.js';
export * from './approvals.js';
