/**
 * A TCP load balancer for the tests, in the shape of HAProxy in TCP mode with one active and backup
 * servers (`server a … check`, `server b … backup`) and `option redispatch`: every new connection goes to
 * the first backend that accepts it, so while A runs everything reaches A, and once A is gone the next
 * connection reaches B. TLS passes through untouched (the servers share one certificate).
 */
import { once } from 'node:events';
import { createServer, Socket, type AddressInfo, type Server } from 'node:net';

export interface LoadBalancer {
  url: string;
  close(): Promise<void>;
}

export async function startLoadBalancer(backendPorts: number[]): Promise<LoadBalancer> {
  const sockets = new Set<Socket>();
  const server: Server = createServer((client) => {
    sockets.add(client);
    client.pause();
    client.on('error', () => undefined).on('close', () => sockets.delete(client));
    const tryBackend = (index: number) => {
      if (index >= backendPorts.length || client.destroyed) return void client.destroy();
      const upstream = new Socket();
      upstream.once('error', () => tryBackend(index + 1));
      upstream.connect(backendPorts[index], '127.0.0.1', () => {
        upstream.removeAllListeners('error');
        sockets.add(upstream);
        const drop = () => {
          client.destroy();
          upstream.destroy();
          sockets.delete(upstream);
        };
        upstream.on('error', drop).on('close', drop);
        client.on('close', drop);
        client.pipe(upstream).pipe(client);
        client.resume();
      });
    };
    tryBackend(0);
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return {
    url: `https://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
