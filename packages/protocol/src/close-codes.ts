/** WebSocket close codes the hub uses; the 4xxx range mirrors the HTTP status it stands for. */
export const CloseCode = {
  /** The server is shutting down or restarting: reconnect, to another instance if there is one. */
  GoingAway: 1001,
  /**
   * A text frame is not valid UTF-8, or a frame breaks the WebSocket framing itself (a reserved bit, a
   * masking rule): RFC 6455 ends such a connection; the ws library closes before the frame is read.
   */
  ProtocolError: 1002,
  /** A text frame is not valid UTF-8 (RFC 6455 requires the connection to end). */
  InvalidPayload: 1007,
  /** A frame exceeded the hard frame cap (the ws library closes before the frame is read). */
  MessageTooBig: 1009,
  /** No valid token at connect time or in the first auth frame, or the token was revoked while connected. */
  Unauthorized: 4401,
  /** The member was disabled by an admin. */
  Forbidden: 4403,
  /** No auth frame arrived within the auth timeout. */
  AuthTimeout: 4408,
  /** The client did not answer pings: it is presumed gone. */
  HeartbeatTimeout: 4410,
  /**
   * The member opened more live connections than the hub allows one member: the oldest is closed. The
   * newer ones are live, so reconnecting would only close another.
   */
  ConnectionLimit: 4429,
  /** The client read too slowly and its outgoing buffer passed the limit: reconnect and resume from your cursors. */
  SlowConsumer: 4508,
} as const;

export type CloseCodeName = keyof typeof CloseCode;
