/** Versioned schema for the SQLite store; each entry runs once, in order, inside a transaction. */

export interface Migration {
  version: number;
  name: string;
  sql: string;
}

export const migrations: Migration[] = [
  {
    version: 1,
    name: 'initial schema',
    sql: `
CREATE TABLE members (
  id TEXT PRIMARY KEY,
  handle TEXT NOT NULL UNIQUE,
  display_name TEXT NOT NULL,
  kind TEXT NOT NULL,
  role TEXT NOT NULL DEFAULT 'member',
  description TEXT NOT NULL DEFAULT '',
  capabilities TEXT NOT NULL DEFAULT '[]',
  owner_id TEXT,
  password_hash TEXT,
  disabled INTEGER NOT NULL DEFAULT 0,
  created_at TEXT NOT NULL
);
CREATE TABLE tokens (
  id TEXT PRIMARY KEY,
  member_id TEXT NOT NULL REFERENCES members(id),
  hash TEXT NOT NULL UNIQUE,
  name TEXT NOT NULL,
  kind TEXT NOT NULL,
  created_at TEXT NOT NULL,
  revoked_at TEXT
);
CREATE INDEX tokens_member ON tokens(member_id);
CREATE TABLE denylist (
  handle TEXT PRIMARY KEY,
  reason TEXT NOT NULL DEFAULT '',
  created_by TEXT NOT NULL,
  created_at TEXT NOT NULL
);
CREATE TABLE rooms (
  id TEXT PRIMARY KEY,
  name TEXT UNIQUE,
  kind TEXT NOT NULL,
  topic TEXT NOT NULL DEFAULT '',
  created_by TEXT NOT NULL,
  created_at TEXT NOT NULL,
  archived_at TEXT,
  last_seq INTEGER NOT NULL DEFAULT 0,
  agent_depth_limit INTEGER NOT NULL,
  agent_chain INTEGER NOT NULL DEFAULT 0,
  direct_key TEXT UNIQUE,
  member_count INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE room_members (
  room_id TEXT NOT NULL REFERENCES rooms(id),
  member_id TEXT NOT NULL REFERENCES members(id),
  role TEXT NOT NULL,
  joined_at TEXT NOT NULL,
  read_seq INTEGER NOT NULL DEFAULT 0,
  notify TEXT NOT NULL DEFAULT 'all',
  listen TEXT NOT NULL DEFAULT 'addressed',
  PRIMARY KEY (room_id, member_id)
) WITHOUT ROWID;
CREATE INDEX room_members_member ON room_members(member_id);
CREATE TABLE messages (
  id TEXT PRIMARY KEY,
  room_id TEXT NOT NULL REFERENCES rooms(id),
  seq INTEGER NOT NULL,
  sender_id TEXT NOT NULL,
  sender TEXT NOT NULL,
  sender_kind TEXT NOT NULL,
  content TEXT NOT NULL,
  mentions TEXT NOT NULL,
  targets TEXT NOT NULL,
  mention_all INTEGER NOT NULL,
  thread_id TEXT,
  depth INTEGER NOT NULL,
  status TEXT NOT NULL,
  parts TEXT NOT NULL,
  metadata TEXT NOT NULL,
  client_id TEXT,
  created_at TEXT NOT NULL,
  edited_at TEXT,
  deleted_at TEXT,
  reply_count INTEGER NOT NULL DEFAULT 0,
  last_reply_at TEXT,
  wake TEXT NOT NULL DEFAULT '[]',
  quiet INTEGER NOT NULL DEFAULT 0
);
CREATE UNIQUE INDEX messages_room_seq ON messages(room_id, seq);
CREATE UNIQUE INDEX messages_client_id ON messages(sender_id, client_id) WHERE client_id IS NOT NULL;
CREATE INDEX messages_room_time ON messages(room_id, created_at);
CREATE INDEX messages_room_sender ON messages(room_id, sender, seq);
CREATE INDEX messages_thread ON messages(thread_id, seq) WHERE thread_id IS NOT NULL;
CREATE INDEX messages_streaming ON messages(status) WHERE status = 'streaming';
CREATE TABLE message_addressees (
  member_id TEXT NOT NULL,
  room_id TEXT NOT NULL,
  seq INTEGER NOT NULL,
  PRIMARY KEY (member_id, room_id, seq)
) WITHOUT ROWID;
CREATE TABLE reactions (
  message_id TEXT NOT NULL,
  emoji TEXT NOT NULL,
  member TEXT NOT NULL,
  created_at TEXT NOT NULL,
  PRIMARY KEY (message_id, emoji, member)
) WITHOUT ROWID;
CREATE TABLE health_probe (
  id INTEGER PRIMARY KEY,
  at TEXT NOT NULL
);
CREATE TABLE events (
  room_id TEXT NOT NULL,
  seq INTEGER NOT NULL,
  kind TEXT NOT NULL,
  at TEXT NOT NULL,
  actor TEXT NOT NULL,
  data TEXT NOT NULL,
  agents TEXT,
  quiet INTEGER NOT NULL DEFAULT 0,
  PRIMARY KEY (room_id, seq)
) WITHOUT ROWID;
`,
  },
  {
    version: 2,
    name: 'tasks and file reservations',
    sql: `
CREATE TABLE tasks (
  id TEXT PRIMARY KEY,
  status TEXT NOT NULL,
  priority INTEGER NOT NULL,
  created_at TEXT NOT NULL,
  updated_at TEXT NOT NULL,
  creator_id TEXT NOT NULL,
  assignee_id TEXT,
  room_id TEXT NOT NULL,
  parent_id TEXT,
  client_id TEXT,
  lease_token TEXT,
  lease_expires_at TEXT,
  version INTEGER NOT NULL,
  capabilities TEXT NOT NULL,
  doc TEXT NOT NULL
);
CREATE UNIQUE INDEX tasks_client_id ON tasks(creator_id, client_id) WHERE client_id IS NOT NULL;
CREATE INDEX tasks_claim_order ON tasks(status, priority DESC, created_at, id);
CREATE INDEX tasks_leases ON tasks(status, lease_expires_at);
CREATE INDEX tasks_created ON tasks(created_at, id);
CREATE TABLE reservations (
  id TEXT PRIMARY KEY,
  holder_id TEXT NOT NULL,
  holder TEXT NOT NULL,
  task_id TEXT,
  pattern TEXT NOT NULL,
  mode TEXT NOT NULL,
  expires_at TEXT NOT NULL,
  created_at TEXT NOT NULL
);
CREATE INDEX reservations_active ON reservations(expires_at);
CREATE INDEX reservations_task ON reservations(task_id) WHERE task_id IS NOT NULL;
`,
  },
  {
    version: 3,
    name: 'memory: full-text search over messages, and notes',
    sql: `
CREATE VIRTUAL TABLE messages_fts USING fts5(
  content, content='messages', content_rowid='rowid', tokenize='unicode61 remove_diacritics 2'
);
INSERT INTO messages_fts(messages_fts) VALUES ('rebuild');
CREATE TRIGGER messages_fts_insert AFTER INSERT ON messages BEGIN
  INSERT INTO messages_fts(rowid, content) VALUES (new.rowid, new.content);
END;
CREATE TRIGGER messages_fts_delete AFTER DELETE ON messages BEGIN
  INSERT INTO messages_fts(messages_fts, rowid, content) VALUES ('delete', old.rowid, old.content);
END;
CREATE TRIGGER messages_fts_update AFTER UPDATE OF content ON messages BEGIN
  INSERT INTO messages_fts(messages_fts, rowid, content) VALUES ('delete', old.rowid, old.content);
  INSERT INTO messages_fts(rowid, content) VALUES (new.rowid, new.content);
END;
CREATE TABLE notes (
  id TEXT PRIMARY KEY,
  member_id TEXT NOT NULL REFERENCES members(id),
  room_id TEXT,
  content TEXT NOT NULL,
  created_at TEXT NOT NULL
);
CREATE INDEX notes_member ON notes(member_id, created_at);
CREATE VIRTUAL TABLE notes_fts USING fts5(
  content, content='notes', content_rowid='rowid', tokenize='unicode61 remove_diacritics 2'
);
CREATE TRIGGER notes_fts_insert AFTER INSERT ON notes BEGIN
  INSERT INTO notes_fts(rowid, content) VALUES (new.rowid, new.content);
END;
CREATE TRIGGER notes_fts_delete AFTER DELETE ON notes BEGIN
  INSERT INTO notes_fts(notes_fts, rowid, content) VALUES ('delete', old.rowid, old.content);
END;
`,
  },
  {
    version: 4,
    name: 'conversations: room titles, and soft-deleted rooms',
    sql: `
ALTER TABLE rooms ADD COLUMN title TEXT;
ALTER TABLE rooms ADD COLUMN deleted_at TEXT;
`,
  },
  {
    version: 5,
    name: 'agent definitions made through the API',
    sql: `
CREATE TABLE agent_definitions (
  handle TEXT PRIMARY KEY,
  definition TEXT NOT NULL,
  updated_at TEXT NOT NULL
);
`,
  },
  {
    version: 6,
    name: 'a readiness probe as large as a real batch',
    sql: `
ALTER TABLE health_probe ADD COLUMN payload BLOB;
`,
  },
  {
    version: 7,
    name: 'one-time setup and invite codes, and each member’s default notification level for channels',
    sql: `
CREATE TABLE one_time_codes (
  hash TEXT PRIMARY KEY,
  member_id TEXT NOT NULL REFERENCES members(id),
  purpose TEXT NOT NULL,
  created_at TEXT NOT NULL,
  expires_at TEXT NOT NULL,
  used_at TEXT
);
CREATE INDEX one_time_codes_member ON one_time_codes(member_id, purpose);
ALTER TABLE members ADD COLUMN notify_default TEXT NOT NULL DEFAULT 'mentions';
UPDATE members SET notify_default = 'all';
`,
  },
  {
    version: 8,
    name: 'delivery receipts: per message, each addressed member’s state',
    sql: `
CREATE TABLE message_receipts (
  room_id TEXT NOT NULL,
  seq INTEGER NOT NULL,
  member_id TEXT NOT NULL,
  message_id TEXT NOT NULL,
  member TEXT NOT NULL,
  member_kind TEXT NOT NULL,
  sender_id TEXT NOT NULL,
  thread_key TEXT NOT NULL,
  state TEXT NOT NULL,
  stored_at TEXT NOT NULL,
  delivered_at TEXT,
  read_at TEXT,
  acted_at TEXT,
  PRIMARY KEY (room_id, seq, member_id)
) WITHOUT ROWID;
CREATE INDEX message_receipts_unread ON message_receipts(member_id, room_id, seq) WHERE read_at IS NULL;
CREATE INDEX message_receipts_open ON message_receipts(member_id, room_id, seq) WHERE acted_at IS NULL;
`,
  },
  {
    version: 9,
    name: 'approvals: requests that a person allow an agent’s action, and their decisions',
    sql: `
CREATE TABLE approvals (
  id TEXT PRIMARY KEY,
  room_id TEXT NOT NULL REFERENCES rooms(id),
  thread_id TEXT,
  message_id TEXT NOT NULL,
  requester_id TEXT NOT NULL REFERENCES members(id),
  requester TEXT NOT NULL,
  action TEXT NOT NULL,
  details TEXT,
  reason TEXT NOT NULL,
  deciders TEXT NOT NULL,
  status TEXT NOT NULL,
  decided_by TEXT,
  note TEXT NOT NULL,
  created_at TEXT NOT NULL,
  decided_at TEXT,
  expires_at TEXT NOT NULL
);
CREATE INDEX approvals_room ON approvals(room_id, status, created_at);
CREATE INDEX approvals_pending ON approvals(expires_at) WHERE status = 'pending';
`,
  },
  {
    version: 10,
    name: 'agents: a wake budget per room, and the tokens they report per day, agent and room',
    sql: `
ALTER TABLE rooms ADD COLUMN agent_wake_limit INTEGER;
CREATE TABLE agent_usage (
  day TEXT NOT NULL,
  agent_id TEXT NOT NULL REFERENCES members(id),
  room_id TEXT NOT NULL REFERENCES rooms(id),
  input_tokens INTEGER NOT NULL DEFAULT 0,
  output_tokens INTEGER NOT NULL DEFAULT 0,
  messages INTEGER NOT NULL DEFAULT 0,
  PRIMARY KEY (day, agent_id, room_id)
);
`,
  },
  {
    version: 11,
    name: 'groups (teams) of members, a task’s team, and tokens that expire',
    sql: `
CREATE TABLE member_groups (
  id TEXT PRIMARY KEY,
  handle TEXT NOT NULL UNIQUE,
  display_name TEXT NOT NULL,
  owner_id TEXT NOT NULL REFERENCES members(id),
  created_at TEXT NOT NULL,
  updated_at TEXT NOT NULL
);
CREATE TABLE member_group_members (
  group_id TEXT NOT NULL REFERENCES member_groups(id),
  member_id TEXT NOT NULL REFERENCES members(id),
  PRIMARY KEY (group_id, member_id)
);
CREATE INDEX member_group_members_member ON member_group_members(member_id);
ALTER TABLE tasks ADD COLUMN team TEXT;
CREATE INDEX tasks_team ON tasks(team, created_at) WHERE team IS NOT NULL;
ALTER TABLE tokens ADD COLUMN expires_at TEXT;
ALTER TABLE tokens ADD COLUMN last_used_at TEXT;
`,
  },
  {
    version: 12,
    name: 'the inbox: a cursor of its own per member and room, and what a member sent, by time',
    sql: `
ALTER TABLE room_members ADD COLUMN inbox_seq INTEGER NOT NULL DEFAULT 0;
UPDATE room_members SET inbox_seq = read_seq;
CREATE INDEX messages_sender_time ON messages(sender_id, created_at);
`,
  },
  {
    version: 13,
    name: 'tasks: batches, their roll-up once, and the parent index subtask counts read',
    sql: `
ALTER TABLE tasks ADD COLUMN batch TEXT;
CREATE INDEX tasks_batch ON tasks(batch, creator_id) WHERE batch IS NOT NULL;
CREATE INDEX tasks_parent ON tasks(parent_id) WHERE parent_id IS NOT NULL;
CREATE TABLE task_rollups (
  scope TEXT PRIMARY KEY,
  room_id TEXT NOT NULL,
  created_at TEXT NOT NULL
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
ALTER TABLE messages ADD COLUMN stream_seen_at TEXT;
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
ALTER TABLE message_addressees ADD COLUMN mentioned INTEGER NOT NULL DEFAULT 1;
ALTER TABLE message_addressees ADD COLUMN tracked INTEGER NOT NULL DEFAULT 0;
ALTER TABLE message_addressees ADD COLUMN delivered_at TEXT;
ALTER TABLE message_addressees ADD COLUMN read_at TEXT;
ALTER TABLE message_addressees ADD COLUMN acted_at TEXT;
ALTER TABLE messages ADD COLUMN receipt_members TEXT NOT NULL DEFAULT '[]';
UPDATE messages SET receipt_members = r.ids
  FROM (SELECT room_id, seq, json_group_array(member_id) AS ids FROM message_receipts GROUP BY room_id, seq) r
  WHERE messages.room_id = r.room_id AND messages.seq = r.seq;
INSERT INTO message_addressees (member_id, room_id, seq, mentioned, tracked, delivered_at, read_at, acted_at)
  SELECT member_id, room_id, seq, 0, 1, delivered_at, read_at, acted_at FROM message_receipts WHERE true
  ON CONFLICT (member_id, room_id, seq) DO UPDATE SET tracked = 1, delivered_at = excluded.delivered_at,
    read_at = excluded.read_at, acted_at = excluded.acted_at;
DROP TABLE message_receipts;
`,
  },
];

export const LATEST_VERSION = migrations[migrations.length - 1]!.version;
