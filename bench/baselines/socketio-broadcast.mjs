/**
 * Baseline: the peer people would pick, a Socket.IO server that acks and broadcasts every message
 * to the room, storing nothing. Socket.IO encodes a broadcast once for all its receivers.
 *
 * Plain JavaScript run by plain Node, as the hub runs from its build: no transpiler in any server's memory.
 */
import { createServer } from 'node:http';
import { Server } from 'socket.io';

const http = createServer();
const io = new Server(http, { transports: ['websocket'], serveClient: false });
io.on('connection', (socket) => {
  socket.on('join', (room, ack) => {
    void socket.join(room);
    ack();
  });
  socket.on('send', (frame, ack) => {
    io.to(frame.room).emit('event', { kind: 'message.created', data: { content: frame.content } });
    ack({ ok: true });
  });
});
http.listen(0, '127.0.0.1', () => {
  const address = http.address();
  process.stdout.write(`listening on http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}\n`);
});
