/**
 * `sft receive ID [--out DIR] [--overwrite]`: fetch a stored delivery, check everything (GCM, CRC32,
 * SHA-256, the sender's signature, the pinned keys), keep the files under the same name rules as `join`,
 * and tell the server, which then deletes the ciphertext. A failed check keeps nothing (exit 4).
 */
import * as path from 'node:path';
import { formatFingerprint } from '../../../certs/src/x509';
import { x25519PrivateFromPem } from '../crypto/delivery-key';
import { publicKeyFromBase64 } from '../crypto/identity';
import { openDelivery } from '../delivery/open-delivery';
import { blobSize, deliveryFileKey } from '../delivery/stored-format';
import { ExitCode, ExitError, usageError } from '../errors';
import { formatBytes } from '../report/format';
import { TransferError } from '../transfer';
import { parseManifest } from '../transfer/manifest';
import { requireIdentity, requireLogin } from './connection';
import { ensureDeliveryKey } from './delivery-keys';
import type { Deps, GlobalOptions } from './deps';
import { checkPeerPin } from './identity-keys';

export interface ReceiveOptions extends GlobalOptions {
  id?: string;
  out?: string;
  overwrite?: boolean;
}

/** Check failures after which the server is told the delivery failed (it is deleted: it cannot get better). */
const FINAL_FAILURES = new Set(['integrity', 'signature', 'protocol']);

export async function receive(opts: ReceiveOptions, deps: Deps): Promise<void> {
  const id = opts.id?.trim();
  if (!id) throw usageError('Which delivery? Give its id (`sft inbox` lists them).', 'Usage: sft receive ID [--out DIR]');
  const { api, credentials } = await requireLogin(opts, deps);
  const me = credentials.username;
  const identity = await ensureDeliveryKey(deps, api, me, await requireIdentity(deps, api.serverUrl, me));
  const mine = identity.delivery!;

  const opened = await api.openDelivery(id);
  const delivery = opened.delivery;
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
  const progress = deps.reporter.progress(`from ${delivery.sender}`, total);
  let summaries;
  try {
    const blob = await api.downloadDelivery(delivery.id, deps.signal);
    summaries = await openDelivery(blob, files, {
      deliveryId: delivery.id,
      fileKey,
      sender: delivery.sender,
      recipient: me,
      senderIdentityKey: publicKeyFromBase64(opened.senderSigningKey),
      outDir: path.resolve(deps.cwd, opts.out ?? '.'),
      overwrite: opts.overwrite ?? false,
      onProgress: (done) => progress.update(done),
    }).finally(() => blob.destroy());
  } catch (error) {
    if (error instanceof TransferError && FINAL_FAILURES.has(error.code)) {
      await api.deliveryReceipt(delivery.id, { verified: false, reason: error.message.slice(0, 500) }).catch(() => undefined);
    }
    throw error;
  } finally {
    fileKey.fill(0);
  }
  progress.finish();
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
