/**
 * A loopback TCP relay in front of a peer listener that the test can pause (no byte moves either way,
 * connections stay open) and resume: it holds a transfer "in flight" for as long as the test needs. It
 * counts the bytes it forwarded each way (`up`: client → target, `down`: target → client).
 */
import { once } from 'node:events';
import { createServer, Socket, type AddressInfo } from 'node:net';

export interface PausableRelay {
  port: number;
  /** Bytes forwarded so far, client → target (`up`) and target → client (`down`). */
  readonly bytes: { up: number; down: number };
  pause(): void;
  resume(): void;
  close(): Promise<void>;
}

export async function startPausableRelay(targetPort: number): Promise<PausableRelay> {
  const sockets = new Set<Socket>();
  let paused = false;
  const bytes = { up: 0, down: 0 };
  const forward = (from: Socket, to: Socket, way: 'up' | 'down') => {
    from.on('data', (chunk: Buffer) => {
      bytes[way] += chunk.length;
      if (!to.write(chunk)) from.pause();
    });
    to.on('drain', () => {
      if (!paused) from.resume();
    });
    from.on('end', () => to.end());
  };
  const server = createServer((client) => {
    const upstream = new Socket().connect(targetPort, '127.0.0.1');
    sockets.add(client).add(upstream);
    if (paused) {
      client.pause();
      upstream.pause();
    }
    forward(client, upstream, 'up');
    forward(upstream, client, 'down');
    const drop = () => {
      client.destroy();
      upstream.destroy();
      sockets.delete(client);
      sockets.delete(upstream);
    };
    // A side that closed cleanly lets the other finish writing what it still holds (destroying it at once
    // would throw away the tail of a response and reset the connection); an error drops both at once.
    const finish = (socket: Socket) => () => {
      if (socket.destroyed) return drop();
      socket.end(drop);
    };
    client.on('error', drop).on('close', finish(upstream));
    upstream.on('error', drop).on('close', finish(client));
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return {
    port: (server.address() as AddressInfo).port,
    bytes,
    pause: () => {
      paused = true;
      for (const socket of sockets) socket.pause();
    },
    resume: () => {
      paused = false;
      for (const socket of sockets) socket.resume();
    },
    close: async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
