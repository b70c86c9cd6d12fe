/**
 * `sft receive ID [--out DIR] [--overwrite]`: fetch a stored delivery, check everything (GCM, CRC32,
 * SHA-256, the sender's signature, the pinned keys), keep the files under the same name rules as `join`,
 * and tell the server, which then deletes the ciphertext. A failed check keeps nothing (exit 4).
 * The ciphertext is downloaded into SFT_HOME/receives first (delivery/partial-download.ts), so a run that
 * stops keeps what arrived and a rerun fetches only the rest; it is opened and checked once complete.
 */
import * as path from 'node:path';
import { formatFingerprint } from '../../../certs/src/fingerprint';
import { x25519PrivateFromPem } from '../crypto/delivery-key';
import { publicKeyFromBase64 } from '../crypto/identity';
import { createReadStream } from 'node:fs';
import { ApiError } from '../api/api-error';
import { openDelivery } from '../delivery/open-delivery';
import { PartialDownloads } from '../delivery/partial-download';
import { blobSize, deliveryFileKey } from '../delivery/stored-format';
import { ExitCode, ExitError, usageError } from '../errors';
import { formatBytes } from '../report/format';
import { TransferError } from '../transfer';
import { parseManifest } from '../transfer/manifest';
import { OutputDir } from '../transfer/output';
import { requireIdentity, requireLogin } from './connection';
import { ensureDeliveryKey } from './delivery-keys';
import type { Deps, GlobalOptions } from './deps';
import { checkPeerPin } from './identity-keys';

export interface ReceiveOptions extends GlobalOptions {
  id?: string;
  out?: string;
  overwrite?: boolean;
}

const MIB = 1024 * 1024;

/** Check failures after which the server is told the delivery failed (it is deleted: it cannot get better). */
const FINAL_FAILURES = new Set(['integrity', 'signature', 'protocol']);

export async function receive(opts: ReceiveOptions, deps: Deps): Promise<void> {
  const id = opts.id?.trim();
  if (!id) throw usageError('Which delivery? Give its id (`sft inbox` lists them).', 'Usage: sft receive ID [--out DIR]');
  const { api, credentials } = await requireLogin(opts, deps);
  const me = credentials.username;
  const identity = await ensureDeliveryKey(deps, api, me, await requireIdentity(deps, api.serverUrl, me));
  const mine = identity.delivery!;

  const partials = new PartialDownloads(deps.state.home, api.serverUrl, me);
  const opened = await api.openDelivery(id).catch(async (error: unknown) => {
    if (error instanceof ApiError && (error.status === 404 || error.status === 410) && (await partials.remove(id))) {
      deps.reporter.step('partial-removed', { id }, `Removed what was downloaded of delivery ${id} earlier: it is no longer open.`);
    }
    throw error;
  });
  const delivery = opened.delivery;
  for (const stale of await partials.removeStale(api, delivery.id)) {
    deps.reporter.step('partial-removed', stale, `Removed the partial download of delivery ${stale.id}: it is ${stale.state === 'gone' ? 'no longer on the server' : stale.state}.`);
  }
  if (delivery.recipientKeyFingerprint !== mine.fingerprint) {
    throw new ExitError(
      ExitCode.Failure,
      `Delivery ${delivery.id} was encrypted to your delivery key ${formatFingerprint(delivery.recipientKeyFingerprint)}, which is not on this machine (here: ${formatFingerprint(mine.fingerprint)}).`,
      'Receive it on the machine (SFT_HOME) where you were logged in when it was sent.',
    );
  }
  if (!opened.senderSigningKey) throw new ExitError(ExitCode.Failure, `${delivery.sender} has no identity key on the server, so the delivery cannot be checked.`);
  await checkPeerPin(deps, api.serverUrl, me, delivery.sender, opened.senderSigningKey);
  const files = parseManifest(Buffer.from(JSON.stringify({ files: delivery.files })));
  if (blobSize(files) !== delivery.bytes) throw new TransferError('integrity', 'The delivery\'s size does not match its file list.');

  const fileKey = deliveryFileKey({
    serverKey: Buffer.from(opened.key, 'base64'),
    privateKey: x25519PrivateFromPem(mine.privateKeyPem),
    peerPublicKey: delivery.ephemeralKey,
    role: 'recipient',
    deliveryId: delivery.id,
    sender: delivery.sender,
    recipient: me,
  });
  const total = files.reduce((sum, f) => sum + f.size, 0);
  const outDir = path.resolve(deps.cwd, opts.out ?? '.');
  const output = new OutputDir(outDir, opts.overwrite ?? false);
  let summaries;
  let kept = 0;
  try {
    await output.prepare(files); // names, existing files and free space are checked before the download
    const already = await partials.size(delivery.id);
    if (already > 0 && already <= delivery.bytes) {
      deps.reporter.step('resume', { id: delivery.id, from: already, bytes: delivery.bytes }, `Resuming download of delivery ${delivery.id} at ${Math.floor(already / MIB)} MiB`);
    }
    const download = deps.reporter.progress(`from ${delivery.sender}`, delivery.bytes);
    kept = await partials.complete(api, delivery.id, delivery.bytes, { signal: deps.signal, onProgress: (have) => download.update(have) });
    download.finish();
    const checking = deps.reporter.progress('verifying', total);
    summaries = await openDelivery(createReadStream(partials.fileOf(delivery.id), { highWaterMark: MIB }), files, {
      deliveryId: delivery.id,
      fileKey,
      sender: delivery.sender,
      recipient: me,
      senderIdentityKey: publicKeyFromBase64(opened.senderSigningKey),
      outDir,
      overwrite: opts.overwrite ?? false,
      output,
      onProgress: (done) => checking.update(done),
    });
    checking.finish();
  } catch (error) {
    await output.discard();
    if (error instanceof TransferError && FINAL_FAILURES.has(error.code)) {
      await partials.remove(delivery.id);
      if (kept > 0 && error.code === 'integrity') {
        // The bytes kept from an earlier run may be what is wrong (changed on disk): the server's copy stays.
        throw new TransferError('integrity', `What was kept of delivery ${delivery.id} from an earlier run does not verify (${error.message}); it was removed and nothing was kept. Run sft receive ${delivery.id} again to download it from the start.`);
      }
      await api.deliveryReceipt(delivery.id, { verified: false, reason: error.message.slice(0, 500) }).catch(() => undefined);
    }
    throw error;
  } finally {
    fileKey.fill(0);
  }
  await partials.remove(delivery.id);
  await api.deliveryReceipt(delivery.id, { verified: true });
  deps.reporter.result(
    'received',
    { id: delivery.id, sender: delivery.sender, bytes: total, files: summaries.map(({ name, size, crc32, sha256, savedAs }) => ({ name, size, crc32, sha256, savedAs })) },
    [
      ...summaries.map((f) => `${f.savedAs} (${formatBytes(f.size)}, sha256 ${f.sha256})`),
      `Received ${summaries.length} file(s) from ${delivery.sender}, verified (GCM, CRC32, SHA-256, signature); the server deleted its copy.`,
    ],
  );
}
