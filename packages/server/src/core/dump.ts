/**
 * The shape of an export: every table of the store, row by row, as JSON lines. Both stores share
 * one schema, so a dump from one restores into the other; values are normalized here (JSON columns
 * as JSON, flags as booleans) and each adapter converts them to its own column types.
 */

export interface DumpRecord {
  table: TableName | LegacyTableName;
  row: Record<string, unknown>;
}

export interface TableSpec {
  name: TableName;
  /** The primary key, in order: rows are read in this order, and a row already present is skipped on restore. */
  key: string[];
  json?: string[];
  bool?: string[];
  /** For a one-room dump: the condition on `@room` that picks this table's rows; tables without one are left out. */
  roomFilter?: string;
}

export type TableName =
  | 'members'
  | 'tokens'
  | 'member_groups'
  | 'member_group_members'
  | 'denylist'
  | 'rooms'
  | 'room_members'
  | 'messages'
  | 'message_addressees'
  | 'reactions'
  | 'events'
  | 'tasks'
  | 'notes'
  | 'agent_definitions'
  | 'agent_usage'
  | 'approvals'
  | 'task_rollups';

/** In the order a restore must write them: a row comes after the rows it refers to. */
export const TABLES: TableSpec[] = [
  {
    name: 'members',
    key: ['id'],
    json: ['capabilities'],
    bool: ['disabled'],
    roomFilter: 'id IN (SELECT member_id FROM room_members WHERE room_id = @room)',
  },
  { name: 'tokens', key: ['id'] },
  { name: 'member_groups', key: ['id'] },
  { name: 'member_group_members', key: ['group_id', 'member_id'] },
  { name: 'denylist', key: ['handle'] },
  { name: 'rooms', key: ['id'], roomFilter: 'id = @room' },
  { name: 'room_members', key: ['room_id', 'member_id'], roomFilter: 'room_id = @room' },
  {
    name: 'messages',
    // Unique like the primary key, and it reads a room's messages in the order they were written.
    key: ['room_id', 'seq'],
    json: ['mentions', 'targets', 'parts', 'metadata', 'wake', 'receipt_members'],
    bool: ['mention_all', 'quiet'],
    roomFilter: 'room_id = @room',
  },
  {
    name: 'message_addressees',
    key: ['member_id', 'room_id', 'seq'],
    bool: ['mentioned', 'tracked'],
    roomFilter: 'room_id = @room',
  },
  {
    name: 'reactions',
    key: ['message_id', 'emoji', 'member'],
    roomFilter: 'message_id IN (SELECT id FROM messages WHERE room_id = @room)',
  },
  { name: 'events', key: ['room_id', 'seq'], json: ['data', 'agents'], bool: ['quiet'], roomFilter: 'room_id = @room' },
  { name: 'tasks', key: ['id'], json: ['capabilities', 'doc'], roomFilter: 'room_id = @room' },
  { name: 'notes', key: ['id'], roomFilter: 'room_id = @room' },
  { name: 'agent_definitions', key: ['handle'] },
  { name: 'agent_usage', key: ['day', 'agent_id', 'room_id'], roomFilter: 'room_id = @room' },
  { name: 'approvals', key: ['id'], json: ['details', 'deciders'], roomFilter: 'room_id = @room' },
  { name: 'task_rollups', key: ['scope'], roomFilter: 'room_id = @room' },
];

export const TABLE_BY_NAME = new Map(TABLES.map((table) => [table.name, table]));

/**
 * Tables an export of an earlier version holds that a restore still takes, written into the
 * tables of today: `message_receipts` (schema 8 to 16) into the rows of `message_addressees`.
 */
export type LegacyTableName = 'message_receipts';
const LEGACY_TABLES: ReadonlySet<string> = new Set<LegacyTableName>(['message_receipts']);

export function isDumpRecord(value: unknown): value is DumpRecord {
  return (
    typeof value === 'object' &&
    value !== null &&
    (TABLE_BY_NAME.has((value as DumpRecord).table as TableName) || LEGACY_TABLES.has((value as DumpRecord).table)) &&
    typeof (value as DumpRecord).row === 'object' &&
    (value as DumpRecord).row !== null
  );
}
