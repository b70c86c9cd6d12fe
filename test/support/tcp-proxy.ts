/**
 * A loopback TCP proxy a test controls: stop it (every connection dropped, the port refuses) and start
 * it again on the same port ("the database became unreachable"); or, for a peer link (issue 14), count
 * the bytes each way, cut every connection while it keeps listening, refuse new ones for a while, run a
 * callback the moment a byte count is passed (cut or kill at ~50%, exactly), point it at a new target
 * (a host that restarted on another port), and hold one direction (a network that went silent one way).
 */
import { once } from 'node:events';
import { createServer, Socket, type AddressInfo, type Server } from 'node:net';

/** `up`: client → target (e.g. joiner → host); `down`: target → client (host → joiner). */
export type Direction = 'up' | 'down';

export interface TcpProxy {
  port: number;
  /** Bytes forwarded each way since the proxy started (or since resetCounts()). */
  readonly bytes: Record<Direction, number>;
  resetCounts(): void;
  /** Closes the listening port and destroys every open connection. */
  stop(): Promise<void>;
  /** Listens again on the same port. */
  start(): Promise<void>;
  /** Destroys every open connection and lets go of held directions; keeps listening (new connections go through). */
  cut(): void;
  /**
   * From now on the bytes going `direction` are counted (`when` still fires) but not passed on, and neither is
   * the end or close of the side they come from: the other side sees a silent link, as behind a dead network,
   * until cut().
   */
  hold(direction: Direction): void;
  /** While refusing, new connections are closed at once (the port stays bound); open ones are untouched. */
  refuse(on: boolean): void;
  /** Runs `action` synchronously as soon as more than `count` bytes went `direction` (from the current count). */
  when(direction: Direction, count: number, action: () => void): void;
  /** New connections go to this port from now on. */
  retarget(port: number): void;
}

export async function startTcpProxy(targetHost: string, targetPort: number): Promise<TcpProxy> {
  const sockets = new Set<Socket>();
  const bytes: Record<Direction, number> = { up: 0, down: 0 };
  const triggers: { direction: Direction; at: number; action: () => void }[] = [];
  let server: Server | null = null;
  let port = 0;
  let target = targetPort;
  let refusing = false;
  const held = new Set<Direction>();

  const cut = () => {
    for (const socket of sockets) socket.destroy();
    sockets.clear();
    held.clear();
  };
  const counted = (direction: Direction, amount: number) => {
    bytes[direction] += amount;
    for (const trigger of [...triggers]) {
      if (trigger.direction !== direction || bytes[direction] <= trigger.at) continue;
      triggers.splice(triggers.indexOf(trigger), 1);
      trigger.action();
    }
  };
  const forward = (from: Socket, to: Socket, direction: Direction) => {
    from.on('data', (chunk: Buffer) => {
      if (to.destroyed) return;
      counted(direction, chunk.length);
      if (held.has(direction)) return;
      if (!to.write(chunk)) from.pause();
    });
    to.on('drain', () => from.resume());
    from.on('end', () => {
      if (!held.has(direction)) to.end();
    });
  };
  const listen = async () => {
    server = createServer((client) => {
      if (refusing) {
        client.destroy();
        return;
      }
      const upstream = new Socket().connect(target, targetHost);
      sockets.add(client).add(upstream);
      forward(client, upstream, 'up');
      forward(upstream, client, 'down');
      const drop = () => {
        client.destroy();
        upstream.destroy();
        sockets.delete(client);
        sockets.delete(upstream);
      };
      // A side whose direction is held goes away unseen: only its own socket is let go.
      const gone = (socket: Socket, direction: Direction) => () => {
        if (!held.has(direction)) return drop();
        socket.destroy();
        sockets.delete(socket);
      };
      // A side that closed cleanly lets the other finish writing what it still holds (destroying it at
      // once would throw away the tail of what was sent and reset the connection).
      const closed = (socket: Socket, other: Socket, direction: Direction) => () => {
        if (held.has(direction) || other.destroyed) return gone(socket, direction)();
        other.end(drop);
      };
      client.on('error', gone(client, 'up')).on('close', closed(client, upstream, 'up'));
      upstream.on('error', gone(upstream, 'down')).on('close', closed(upstream, client, 'down'));
    });
    server.listen(port, '127.0.0.1');
    await once(server, 'listening');
    port = (server.address() as AddressInfo).port;
  };
  await listen();
  return {
    get port() {
      return port;
    },
    bytes,
    resetCounts: () => {
      bytes.up = 0;
      bytes.down = 0;
    },
    stop: async () => {
      const closing = server;
      server = null;
      cut();
      if (closing) await new Promise<void>((resolve) => closing.close(() => resolve()));
    },
    start: listen,
    cut,
    refuse: (on) => {
      refusing = on;
    },
    when: (direction, count, action) => {
      triggers.push({ direction, at: bytes[direction] + count, action });
    },
    hold: (direction) => {
      held.add(direction);
    },
    retarget: (next) => {
      target = next;
    },
  };
}
