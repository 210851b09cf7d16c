import { once } from 'node:events';
import { createServer, connect, type Server, type Socket } from 'node:net';
import type { TestContext } from 'node:test';

/**
 * A TCP balancer on a port of its own: each new connection goes to the next target that accepts
 * it, as a load balancer in front of several instances would. `cut()` drops every connection and
 * refuses new ones until `restore()`.
 */
export async function tcpBalancer(
  t: TestContext,
  targets: () => number[],
): Promise<{
  url: string;
  port: number;
  cut(): void;
  restore(): void;
}> {
  const sockets = new Set<Socket>();
  let refusing = false;
  let next = 0;
  const server: Server = createServer((client) => {
    if (refusing) {
      client.destroy();
      return;
    }
    sockets.add(client);
    client.on('close', () => sockets.delete(client));
    client.on('error', () => client.destroy());
    const ports = targets();
    const attempt = (tries: number) => {
      const port = ports[next++ % ports.length]!;
      const upstream = connect(port, '127.0.0.1');
      upstream.once('connect', () => {
        sockets.add(upstream);
        upstream.on('close', () => {
          sockets.delete(upstream);
          client.destroy();
        });
        client.on('close', () => upstream.destroy());
        client.pipe(upstream);
        upstream.pipe(client);
      });
      upstream.once('error', () => {
        upstream.destroy();
        if (tries + 1 < ports.length) attempt(tries + 1);
        else client.destroy();
      });
    };
    attempt(0);
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  t.after(() => {
    for (const socket of sockets) socket.destroy();
    server.close();
  });
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    cut() {
      refusing = true;
      for (const socket of sockets) socket.destroy();
    },
    restore() {
      refusing = false;
    },
  };
}
