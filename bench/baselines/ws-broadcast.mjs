/**
 * Baseline: a bare `ws` server that acks and broadcasts every frame to every client, storing
 * nothing. The ceiling for fan-out in Node on this machine.
 *
 * Plain JavaScript run by plain Node, as the hub runs from its build: no transpiler in any server's memory.
 */
import { WebSocketServer } from 'ws';

const server = new WebSocketServer({ host: '127.0.0.1', port: 0 });
const clients = new Set();
server.on('connection', (socket) => {
  clients.add(socket);
  socket.on('close', () => clients.delete(socket));
  socket.on('message', (data) => {
    const frame = JSON.parse(data.toString());
    const event = JSON.stringify({ type: 'event', kind: 'message.created', data: { content: frame.content } });
    for (const client of clients) client.send(event);
    socket.send(JSON.stringify({ type: 'ack', id: frame.id }));
  });
});
server.on('listening', () => {
  const address = server.address();
  process.stdout.write(`listening on http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}\n`);
});
