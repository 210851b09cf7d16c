/**
 * Baseline: a naive durable chat server, Socket.IO plus better-sqlite3, committing each message in
 * its own transaction (WAL, synchronous=FULL, as Roundtable) before it acks and broadcasts it.
 *
 * Plain JavaScript run by plain Node, as the hub runs from its build: no transpiler in any server's memory.
 */
import { mkdtempSync } from 'node:fs';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { Server } from 'socket.io';

const db = new Database(join(mkdtempSync(join(tmpdir(), 'naive-durable-')), 'chat.db'));
db.pragma('journal_mode = WAL');
db.pragma('synchronous = FULL');
db.exec('CREATE TABLE messages (id INTEGER PRIMARY KEY, room TEXT NOT NULL, content TEXT NOT NULL, at TEXT NOT NULL)');
const insert = db.prepare('INSERT INTO messages (room, content, at) VALUES (?, ?, ?) RETURNING id');

const http = createServer();
const io = new Server(http, { transports: ['websocket'], serveClient: false });
io.on('connection', (socket) => {
  socket.on('join', (room, ack) => {
    void socket.join(room);
    ack();
  });
  socket.on('send', (frame, ack) => {
    const { id } = insert.get(frame.room, frame.content, new Date().toISOString());
    io.to(frame.room).emit('event', { kind: 'message.created', data: { id, content: frame.content } });
    ack({ id });
  });
});
http.listen(0, '127.0.0.1', () => {
  const address = http.address();
  process.stdout.write(`listening on http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}\n`);
});
