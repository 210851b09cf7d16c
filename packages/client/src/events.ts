/** What a RoundtableClient tells its listeners, by event name. */
import type {
  ActivityFrame,
  AgentNoticeFrame,
  EventFrame,
  Message,
  PresenceFrame,
  ReadReceiptFrame,
  ReadyFrame,
  ReceiptFrame,
  StreamDeltaFrame,
  StreamPartFrame,
  SyncedFrame,
  TaskAssignedFrame,
  TaskLeaseFrame,
  TypingFrame,
} from '@roundtable/protocol';
import type { RoundtableError } from './errors.js';

export type ConnectionState = 'connecting' | 'open' | 'reconnecting' | 'closed';

export interface ClientEvents {
  /** Every authenticated (re)connection; the first one also resolves `connect()`. */
  ready: ReadyFrame;
  /** Every room-log event, once: replays that overlap what was already seen are dropped. */
  event: EventFrame;
  /** `message.created` events, with their data as the message. */
  message: Message;
  'message.updated': Message;
  /** A resumed room has caught up: what follows is live. */
  synced: SyncedFrame;
  delta: StreamDeltaFrame;
  /** A streaming message's tool call as it is now (running, then done). */
  part: StreamPartFrame;
  typing: TypingFrame;
  /** A member's activity status set or cleared (`idle`, also when it lapsed) in one of this person's rooms. */
  activity: ActivityFrame;
  presence: PresenceFrame;
  read: ReadReceiptFrame;
  /** A task the hub claimed for this client as a registered worker (see `registerWorker`). */
  'task.assigned': TaskAssignedFrame;
  /** A worker's heartbeat renewed a task's lease, in one of this person's rooms. */
  'task.lease': TaskLeaseFrame;
  /** A delivery receipt of a message in one of your rooms moved (delivered, read, acted). */
  receipt: ReceiptFrame;
  /** Addressed agents that will not get a message you just sent now: offline or disabled. */
  notice: AgentNoticeFrame;
  /** Error frames that answer no pending request, and final failures (bad token, disabled member). */
  error: RoundtableError;
  state: ConnectionState;
  close: { code: number; reason: string };
}
