/** @module @roundtable/client: the Roundtable SDK for Node and the browser, over WebSocket and REST. */
export { RoundtableClient } from './client.js';
export { HubConnection, newClientId } from './connection.js';
export { decideApproval, listApprovals, requestApproval } from './approvals.js';
export type { ClientEvents, ConnectionState } from './events.js';
export type { ClientOptions, HistoryOptions, Logger, RequestOptions, SendOptions, StreamOptions } from './options.js';
export { MessageStream, type StreamDone } from './stream.js';
export { TaskTimeoutError, TaskWorker, type TaskContext, type TaskHandler, type TaskWorkerOptions } from './worker.js';
export { RestClient, type AuthResult, type Query, type RestOptions } from './rest.js';
export { ClientClosedError, ConnectionLostError, RoundtableError, TimeoutError } from './errors.js';
export { Emitter, type Listener, type ListenerErrorHandler } from './emitter.js';
export { Backoff, type BackoffOptions } from './backoff.js';
export type { WebSocketConstructor, WebSocketLike } from './socket.js';
export type {
  AgentUsageQuery,
  AgentUsageReport,
  AgentUsageRow,
  Approval,
  ApprovalStatus,
  Conversation,
  Cursors,
  ErrorCode,
  EventFrame,
  FileReservation,
  Member,
  Message,
  MessageHit,
  MessageResult,
  Note,
  NoteHit,
  ReadyFrame,
  RequestParams,
  RequestType,
  ResultMap,
  Room,
  RoomMember,
  RoomSummary,
  StreamDeltaFrame,
  StreamPartFrame,
  Task,
  TaskClaim,
  TaskBatchDone,
  TaskResult,
  TaskVerdict,
  WorkerInfo,
} from '@roundtable/protocol';
