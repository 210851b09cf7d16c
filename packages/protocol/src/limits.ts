/** Limits shared by the hub and its clients, so that a client can check before it sends. */
export const Limits = {
  /** Characters of markdown in one message. */
  maxContentChars: 10_000,
  /** Characters of a room topic. */
  maxTopicChars: 1_000,
  /** Bytes of a message's parts, serialized as JSON. */
  maxPartsBytes: 100_000,
  /** Bytes of a message's metadata, serialized as JSON. */
  maxMetadataBytes: 16_384,
  /** Messages in one history page. */
  maxPageSize: 200,
  /** Events in one sync page. */
  maxSyncPage: 1_000,
  /** Explicit targets on one message. */
  maxTargets: 50,
  /** Messages, and notes, in one memory search. */
  maxMemoryHits: 50,
  /** How deep a search may page: results past this many are not worth reading, and cost the store to skip. */
  maxSearchOffset: 1_000,
  /** Levels of nested objects and arrays in a frame or body, counted from its outermost value. */
  maxJsonDepth: 64,
} as const;
