/** Versioned schema for the PostgreSQL store; each entry runs once, in order, inside a transaction. */
import type { Migration } from '../sqlite/migrations.js';

export const pgMigrations: Migration[] = [
  {
    version: 1,
    name: 'initial schema',
    sql: `
CREATE TABLE members (
  id text PRIMARY KEY,
  handle text NOT NULL UNIQUE,
  display_name text NOT NULL,
  kind text NOT NULL,
  role text NOT NULL DEFAULT 'member',
  description text NOT NULL DEFAULT '',
  capabilities jsonb NOT NULL DEFAULT '[]',
  owner_id text,
  password_hash text,
  disabled boolean NOT NULL DEFAULT false,
  created_at text NOT NULL
);
CREATE TABLE tokens (
  id text PRIMARY KEY,
  member_id text NOT NULL REFERENCES members(id),
  hash text NOT NULL UNIQUE,
  name text NOT NULL,
  kind text NOT NULL,
  created_at text NOT NULL,
  revoked_at text
);
CREATE INDEX tokens_member ON tokens(member_id);
CREATE TABLE denylist (
  handle text PRIMARY KEY,
  reason text NOT NULL DEFAULT '',
  created_by text NOT NULL,
  created_at text NOT NULL
);
CREATE TABLE rooms (
  id text PRIMARY KEY,
  name text UNIQUE,
  kind text NOT NULL,
  topic text NOT NULL DEFAULT '',
  created_by text NOT NULL,
  created_at text NOT NULL,
  archived_at text,
  last_seq integer NOT NULL DEFAULT 0,
  agent_depth_limit integer NOT NULL,
  agent_chain integer NOT NULL DEFAULT 0,
  direct_key text UNIQUE,
  member_count integer NOT NULL DEFAULT 0
);
CREATE TABLE room_members (
  room_id text NOT NULL REFERENCES rooms(id),
  member_id text NOT NULL REFERENCES members(id),
  role text NOT NULL,
  joined_at text NOT NULL,
  read_seq integer NOT NULL DEFAULT 0,
  notify text NOT NULL DEFAULT 'all',
  listen text NOT NULL DEFAULT 'addressed',
  PRIMARY KEY (room_id, member_id)
);
CREATE INDEX room_members_member ON room_members(member_id);
CREATE TABLE messages (
  id text PRIMARY KEY,
  room_id text NOT NULL REFERENCES rooms(id),
  seq integer NOT NULL,
  sender_id text NOT NULL,
  sender text NOT NULL,
  sender_kind text NOT NULL,
  content text NOT NULL,
  mentions jsonb NOT NULL,
  targets jsonb NOT NULL,
  mention_all boolean NOT NULL,
  thread_id text,
  depth integer NOT NULL,
  status text NOT NULL,
  parts jsonb NOT NULL,
  metadata jsonb NOT NULL,
  client_id text,
  created_at text NOT NULL,
  edited_at text,
  deleted_at text,
  reply_count integer NOT NULL DEFAULT 0,
  last_reply_at text,
  wake jsonb NOT NULL DEFAULT '[]',
  quiet boolean NOT NULL DEFAULT false
);
CREATE UNIQUE INDEX messages_room_seq ON messages(room_id, seq);
CREATE UNIQUE INDEX messages_client_id ON messages(sender_id, client_id) WHERE client_id IS NOT NULL;
CREATE INDEX messages_room_time ON messages(room_id, created_at);
CREATE INDEX messages_room_sender ON messages(room_id, sender, seq);
CREATE INDEX messages_thread ON messages(thread_id, seq) WHERE thread_id IS NOT NULL;
CREATE INDEX messages_streaming ON messages(status) WHERE status = 'streaming';
CREATE TABLE message_addressees (
  member_id text NOT NULL,
  room_id text NOT NULL,
  seq integer NOT NULL,
  PRIMARY KEY (member_id, room_id, seq)
);
CREATE TABLE reactions (
  message_id text NOT NULL,
  emoji text NOT NULL,
  member text NOT NULL,
  created_at text NOT NULL,
  PRIMARY KEY (message_id, emoji, member)
);
CREATE TABLE events (
  room_id text NOT NULL,
  seq integer NOT NULL,
  kind text NOT NULL,
  at text NOT NULL,
  actor text NOT NULL,
  data jsonb NOT NULL,
  agents jsonb,
  quiet boolean NOT NULL DEFAULT false,
  PRIMARY KEY (room_id, seq)
);
CREATE TABLE health_probe (
  id integer PRIMARY KEY,
  at text NOT NULL
);
`,
  },
  {
    version: 2,
    name: 'tasks and file reservations',
    sql: `
CREATE TABLE tasks (
  id text PRIMARY KEY,
  status text NOT NULL,
  priority integer NOT NULL,
  created_at text NOT NULL,
  updated_at text NOT NULL,
  creator_id text NOT NULL,
  assignee_id text,
  room_id text NOT NULL,
  parent_id text,
  client_id text,
  lease_token text,
  lease_expires_at text,
  version integer NOT NULL,
  capabilities jsonb NOT NULL,
  doc jsonb NOT NULL
);
CREATE UNIQUE INDEX tasks_client_id ON tasks(creator_id, client_id) WHERE client_id IS NOT NULL;
CREATE INDEX tasks_claim_order ON tasks(status, priority DESC, created_at, id);
CREATE INDEX tasks_leases ON tasks(status, lease_expires_at);
CREATE INDEX tasks_created ON tasks(created_at, id);
CREATE TABLE reservations (
  id text PRIMARY KEY,
  holder_id text NOT NULL,
  holder text NOT NULL,
  task_id text,
  pattern text NOT NULL,
  mode text NOT NULL,
  expires_at text NOT NULL,
  created_at text NOT NULL
);
CREATE INDEX reservations_active ON reservations(expires_at);
CREATE INDEX reservations_task ON reservations(task_id) WHERE task_id IS NOT NULL;
`,
  },
  {
    version: 3,
    name: 'memory: full-text search over messages, and notes',
    // Expression indexes, not generated columns: a dump reads every column, and a search vector is not data.
    sql: `
CREATE INDEX messages_search ON messages USING GIN (to_tsvector('simple', content));
CREATE TABLE notes (
  id text PRIMARY KEY,
  member_id text NOT NULL REFERENCES members(id),
  room_id text,
  content text NOT NULL,
  created_at text NOT NULL
);
CREATE INDEX notes_member ON notes(member_id, created_at);
CREATE INDEX notes_search ON notes USING GIN (to_tsvector('simple', content));
`,
  },
  {
    version: 4,
    name: 'conversations: room titles, and soft-deleted rooms',
    sql: `
ALTER TABLE rooms ADD COLUMN title text;
ALTER TABLE rooms ADD COLUMN deleted_at text;
`,
  },
  {
    version: 5,
    name: 'agent definitions made through the API',
    sql: `
CREATE TABLE agent_definitions (
  handle text PRIMARY KEY,
  definition text NOT NULL,
  updated_at text NOT NULL
);
`,
  },
  {
    version: 6,
    name: 'a readiness probe as large as a real batch',
    sql: `
ALTER TABLE health_probe ADD COLUMN payload bytea;
`,
  },
  {
    version: 7,
    name: 'one-time setup and invite codes, and each member’s default notification level for channels',
    sql: `
CREATE TABLE one_time_codes (
  hash text PRIMARY KEY,
  member_id text NOT NULL REFERENCES members(id),
  purpose text NOT NULL,
  created_at text NOT NULL,
  expires_at text NOT NULL,
  used_at text
);
CREATE INDEX one_time_codes_member ON one_time_codes(member_id, purpose);
ALTER TABLE members ADD COLUMN notify_default text NOT NULL DEFAULT 'mentions';
UPDATE members SET notify_default = 'all';
`,
  },
  {
    version: 8,
    name: 'delivery receipts: per message, each addressed member’s state',
    sql: `
CREATE TABLE message_receipts (
  room_id text NOT NULL,
  seq integer NOT NULL,
  member_id text NOT NULL,
  message_id text NOT NULL,
  member text NOT NULL,
  member_kind text NOT NULL,
  sender_id text NOT NULL,
  thread_key text NOT NULL,
  state text NOT NULL,
  stored_at text NOT NULL,
  delivered_at text,
  read_at text,
  acted_at text,
  PRIMARY KEY (room_id, seq, member_id)
);
CREATE INDEX message_receipts_unread ON message_receipts(member_id, room_id, seq) WHERE read_at IS NULL;
CREATE INDEX message_receipts_open ON message_receipts(member_id, room_id, seq) WHERE acted_at IS NULL;
`,
  },
  {
    version: 9,
    name: 'approvals: requests that a person allow an agent’s action, and their decisions',
    sql: `
CREATE TABLE approvals (
  id text PRIMARY KEY,
  room_id text NOT NULL REFERENCES rooms(id),
  thread_id text,
  message_id text NOT NULL,
  requester_id text NOT NULL REFERENCES members(id),
  requester text NOT NULL,
  action text NOT NULL,
  details jsonb,
  reason text NOT NULL,
  deciders jsonb NOT NULL,
  status text NOT NULL,
  decided_by text,
  note text NOT NULL,
  created_at text NOT NULL,
  decided_at text,
  expires_at text NOT NULL
);
CREATE INDEX approvals_room ON approvals(room_id, status, created_at);
CREATE INDEX approvals_pending ON approvals(expires_at) WHERE status = 'pending';
`,
  },
  {
    version: 10,
    name: 'agents: a wake budget per room, and the tokens they report per day, agent and room',
    sql: `
ALTER TABLE rooms ADD COLUMN agent_wake_limit integer;
CREATE TABLE agent_usage (
  day text NOT NULL,
  agent_id text NOT NULL REFERENCES members(id),
  room_id text NOT NULL REFERENCES rooms(id),
  input_tokens bigint NOT NULL DEFAULT 0,
  output_tokens bigint NOT NULL DEFAULT 0,
  messages bigint NOT NULL DEFAULT 0,
  PRIMARY KEY (day, agent_id, room_id)
);
`,
  },
  {
    version: 11,
    name: 'groups (teams) of members, a task’s team, and tokens that expire',
    sql: `
CREATE TABLE member_groups (
  id text PRIMARY KEY,
  handle text NOT NULL UNIQUE,
  display_name text NOT NULL,
  owner_id text NOT NULL REFERENCES members(id),
  created_at text NOT NULL,
  updated_at text NOT NULL
);
CREATE TABLE member_group_members (
  group_id text NOT NULL REFERENCES member_groups(id),
  member_id text NOT NULL REFERENCES members(id),
  PRIMARY KEY (group_id, member_id)
);
CREATE INDEX member_group_members_member ON member_group_members(member_id);
ALTER TABLE tasks ADD COLUMN team text;
CREATE INDEX tasks_team ON tasks(team, created_at) WHERE team IS NOT NULL;
ALTER TABLE tokens ADD COLUMN expires_at text;
ALTER TABLE tokens ADD COLUMN last_used_at text;
`,
  },
  {
    version: 12,
    name: 'the inbox: a cursor of its own per member and room, and what a member sent, by time',
    sql: `
ALTER TABLE room_members ADD COLUMN inbox_seq integer NOT NULL DEFAULT 0;
UPDATE room_members SET inbox_seq = read_seq;
CREATE INDEX messages_sender_time ON messages(sender_id, created_at);
`,
  },
  {
    version: 13,
    name: 'tasks: batches, their roll-up once, and the parent index subtask counts read',
    sql: `
ALTER TABLE tasks ADD COLUMN batch text;
CREATE INDEX tasks_batch ON tasks(batch, creator_id) WHERE batch IS NOT NULL;
CREATE INDEX tasks_parent ON tasks(parent_id) WHERE parent_id IS NOT NULL;
CREATE TABLE task_rollups (
  scope text PRIMARY KEY,
  room_id text NOT NULL,
  created_at text NOT NULL
);
`,
  },
  {
    version: 14,
    name: 'receipts: a read cursor marks the span it passed over the key, so no index of unread receipts is kept',
    sql: `
DROP INDEX IF EXISTS message_receipts_unread;
`,
  },
  {
    version: 15,
    name: 'streams: when the instance holding a stream last saved its text, and an index of the messages still streaming',
    sql: `
ALTER TABLE messages ADD COLUMN IF NOT EXISTS stream_seen_at text;
CREATE INDEX IF NOT EXISTS messages_streaming ON messages(status) WHERE status = 'streaming';
`,
  },
  {
    version: 16,
    name: 'unread mentions: an index of the messages to @all, so a count reads those and the addressees, not every unread message',
    sql: `
CREATE INDEX IF NOT EXISTS messages_mention_all ON messages(room_id, seq) WHERE mention_all;
`,
  },
  {
    version: 17,
    name: 'receipts kept in the rows of message_addressees, and the members a message keeps receipts for on its own row',
    sql: `
ALTER TABLE message_addressees ADD COLUMN mentioned boolean NOT NULL DEFAULT true,
  ADD COLUMN tracked boolean NOT NULL DEFAULT false,
  ADD COLUMN delivered_at text,
  ADD COLUMN read_at text,
  ADD COLUMN acted_at text;
ALTER TABLE messages ADD COLUMN receipt_members jsonb NOT NULL DEFAULT '[]';
UPDATE messages m SET receipt_members = r.ids
  FROM (SELECT room_id, seq, jsonb_agg(member_id) AS ids FROM message_receipts GROUP BY room_id, seq) r
  WHERE m.room_id = r.room_id AND m.seq = r.seq;
INSERT INTO message_addressees (member_id, room_id, seq, mentioned, tracked, delivered_at, read_at, acted_at)
  SELECT member_id, room_id, seq, false, true, delivered_at, read_at, acted_at FROM message_receipts
  ON CONFLICT (member_id, room_id, seq) DO UPDATE SET tracked = true, delivered_at = excluded.delivered_at,
    read_at = excluded.read_at, acted_at = excluded.acted_at;
DROP TABLE message_receipts;
`,
  },
];

export const PG_LATEST_VERSION = pgMigrations[pgMigrations.length - 1]!.version;
