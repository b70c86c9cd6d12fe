/**
 * Raw TLS ceiling, sending side: `node sender.js CERT_DIR PORT FILE [tuned|default]`.
 * Dials 127.0.0.1:PORT over TLS 1.3 presenting its certificate, verifies the receiver against the one
 * pinned certificate (normal verification plus the SHA-256 fingerprint), and streams FILE with no application crypto.
 * - tuned (the ceiling): 1 MiB file reads into a socket with a 4 MiB write buffer;
 * - default: Node's default streams (64 KiB reads, 16 KiB socket buffer), what a naive copy gets.
 */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { pipeline } from 'node:stream/promises';
import { connect } from 'node:tls';
import { COPY_CHUNK, COPY_WRITE_BUFFER, parseCopyMode, PEER_SERVERNAME, readLinkFiles } from './link-files';

const [certDir, port, file, modeArg] = process.argv.slice(2);
const link = readLinkFiles(certDir, 'sender');
const tuned = parseCopyMode(modeArg) === 'tuned';

const socket = connect({
  host: '127.0.0.1',
  port: Number(port),
  servername: PEER_SERVERNAME,
  key: link.key,
  cert: link.cert,
  ca: [link.peerCert],
  minVersion: 'TLSv1.3',
  ...(tuned ? { highWaterMark: COPY_WRITE_BUFFER } : {}),
});
socket.once('secureConnect', () => {
  const fingerprint = createHash('sha256').update(socket.getPeerX509Certificate()!.raw).digest('hex');
  if (fingerprint !== link.peerFingerprint) fail('peer certificate fingerprint does not match');
  // Exit only once the socket has closed: exiting when the pipeline resolves could drop bytes still
  // queued for the kernel (a 4 MiB write buffer holds plenty), silently truncating the copy.
  socket.once('close', () => process.exit(0));
  pipeline(createReadStream(file, tuned ? { highWaterMark: COPY_CHUNK } : {}), socket).catch((error: Error) => fail(error.message));
});
socket.on('error', (error) => fail(error.message));

function fail(message: string): never {
  process.stderr.write(`raw-tls sender: ${message}\n`);
  process.exit(1);
}
