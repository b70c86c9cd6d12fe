/** Helpers for the third-party tools the bench runs on loopback (sshd, magic-wormhole's servers). */
import { execFileSync } from 'node:child_process';
import { connect, createServer, type AddressInfo } from 'node:net';

/** The path `sh` finds for `command`, or null when it is not installed. */
export function which(command: string): string | null {
  try {
    return execFileSync('sh', ['-c', 'command -v "$1"', 'sh', command], { encoding: 'utf8' }).trim() || null;
  } catch {
    return null;
  }
}

/** A TCP port free on 127.0.0.1 right now (the caller's server binds it next). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

/** Resolves once 127.0.0.1:`port` accepts a connection; throws after about `tries` × 100 ms, or as soon as `gaveUp()` says so. */
export async function waitForPort(port: number, what: string, gaveUp: () => string | null = () => null, tries = 100): Promise<void> {
  for (let i = 0; i < tries; i++) {
    const open = await new Promise<boolean>((resolve) => {
      const socket = connect(port, '127.0.0.1');
      socket.once('connect', () => {
        socket.destroy();
        resolve(true);
      });
      socket.once('error', () => resolve(false));
    });
    if (open) return;
    const why = gaveUp();
    if (why) throw new Error(`${what} ${why}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`${what} did not listen on 127.0.0.1:${port}`);
}
