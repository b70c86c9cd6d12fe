/**
 * Raw TLS ceiling, receiving side: `node receiver.js CERT_DIR OUT_FILE [tuned|default]`.
 * Listens on 127.0.0.1 (TLS 1.3, client certificate required and verified against the one pinned
 * peer certificate), copies the single connection's bytes to OUT_FILE, prints JSON events, exits 0.
 * tuned: the file is written through a 4 MiB buffer (large writes); default: Node's default streams.
 */
import { createHash } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { pipeline } from 'node:stream/promises';
import { createServer, type TLSSocket } from 'node:tls';
import { COPY_WRITE_BUFFER, parseCopyMode, readLinkFiles } from './link-files';

const [certDir, outFile, modeArg] = process.argv.slice(2);
const link = readLinkFiles(certDir, 'receiver');
const tuned = parseCopyMode(modeArg) === 'tuned';

const server = createServer(
  { key: link.key, cert: link.cert, ca: [link.peerCert], requestCert: true, rejectUnauthorized: true, minVersion: 'TLSv1.3', ...(tuned ? { highWaterMark: COPY_WRITE_BUFFER } : {}) },
  (socket) => void receive(socket),
);
// A refused handshake (e.g. an unpinned client certificate) ends the run instead of waiting for another connection.
server.on('tlsClientError', (error) => fail(`handshake refused: ${error.message}`));
server.listen(0, '127.0.0.1', () => emit('listening', { port: (server.address() as AddressInfo).port }));

async function receive(socket: TLSSocket): Promise<void> {
  server.close();
  const peer = socket.getPeerX509Certificate();
  const fingerprint = peer ? createHash('sha256').update(peer.raw).digest('hex') : '';
  if (fingerprint !== link.peerFingerprint) fail('peer certificate fingerprint does not match');
  let bytes = 0;
  socket.once('data', () => emit('first-byte', {}));
  socket.on('data', (chunk: Buffer) => (bytes += chunk.length));
  try {
    await pipeline(socket, createWriteStream(outFile, { mode: 0o600, ...(tuned ? { highWaterMark: COPY_WRITE_BUFFER } : {}) }));
  } catch (error) {
    fail((error as Error).message);
  }
  emit('done', { bytes });
}

function emit(event: string, data: Record<string, unknown>): void {
  process.stdout.write(`${JSON.stringify({ event, ...data })}\n`);
}

function fail(message: string): never {
  process.stderr.write(`raw-tls receiver: ${message}\n`);
  process.exit(1);
}
