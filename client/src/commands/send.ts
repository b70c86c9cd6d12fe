/**
 * `sft send FILE... --to USER [--expires DURATION]`: a stored delivery for someone who need not be online.
 * Encrypts on this machine (stored format: client/src/delivery/), uploads only ciphertext, and the delivery
 * becomes visible to USER once the upload is complete. The file key needs both the server's key for the
 * delivery and an X25519 exchange with USER's pinned delivery key, so the server alone decrypts nothing.
 */
import { generateKeyPairSync } from 'node:crypto';
import * as path from 'node:path';
import { PART_BYTES } from '../../../server/src/deliveries/delivery-limits';
import { x25519ToBase64 } from '../crypto/delivery-key';
import { keyFingerprint, privateKeyFromPem } from '../crypto/identity';
import { inParts, sealDelivery } from '../delivery/seal-delivery';
import { blobSize, deliveryFileKey } from '../delivery/stored-format';
import { uploadParts } from '../delivery/upload';
import { usageError } from '../errors';
import { formatBytes } from '../report/format';
import { collectFiles } from '../transfer';
import { requireIdentity, requireLogin } from './connection';
import { recipientKeys } from './delivery-keys';
import type { Deps, GlobalOptions } from './deps';

export interface SendOptions extends GlobalOptions {
  files?: string[];
  to?: string;
  /** Seconds (parsed from --expires by cli.ts). */
  expires?: number;
}

export async function send(opts: SendOptions, deps: Deps): Promise<void> {
  const paths = opts.files ?? [];
  if (paths.length === 0) throw usageError('Nothing to send: give one or more FILEs.', 'Usage: sft send FILE... --to USER');
  if (!opts.to?.trim()) throw usageError('Whom for? Give --to USER.', 'Usage: sft send FILE... --to USER');
  const { api, credentials } = await requireLogin(opts, deps);
  const me = credentials.username;
  if (opts.to.trim().toLowerCase() === me.toLowerCase()) throw usageError('That is you: send to someone else.');
  const identity = await requireIdentity(deps, api.serverUrl, me);

  const recipient = await recipientKeys(deps, api, me, opts.to.trim());
  const files = await collectFiles(paths.map((p) => path.resolve(deps.cwd, p)), (note) => deps.reporter.warn(note));
  const ephemeral = generateKeyPairSync('x25519');
  const bytes = blobSize(files);
  const created = await api.createDelivery({
    recipient: recipient.username,
    files: files.map(({ name, size }) => ({ name, size })),
    bytes,
    ephemeralKey: x25519ToBase64(ephemeral.publicKey),
    recipientKeyFingerprint: keyFingerprint(recipient.deliveryKey),
    ...(opts.expires === undefined ? {} : { expiresInSeconds: opts.expires }),
  });
  const id = created.delivery.id;
  deps.reporter.step('delivery', { id, recipient: recipient.username, bytes }, `Storing ${files.length} file(s) for ${recipient.username}: delivery ${id}`);

  const fileKey = deliveryFileKey({
    serverKey: Buffer.from(created.key, 'base64'),
    privateKey: ephemeral.privateKey,
    peerPublicKey: recipient.deliveryKey,
    role: 'sender',
    deliveryId: id,
    sender: me,
    recipient: recipient.username,
  });
  const total = files.reduce((sum, f) => sum + f.size, 0);
  const progress = deps.reporter.progress(`to ${recipient.username}`, total);
  try {
    const sealed = sealDelivery(files, { deliveryId: id, fileKey, sender: me, recipient: recipient.username, identityPrivateKey: privateKeyFromPem(identity.privateKeyPem), onProgress: (done) => progress.update(done) });
    await uploadParts(api, id, inParts(sealed, PART_BYTES), {
      signal: deps.signal,
      onRetry: (reason, index) => deps.reporter.step('upload-retry', { id, part: index, reason }, `Upload of part ${index} failed (${reason}); trying again…`),
    });
    progress.finish();
    const done = await api.completeDelivery(id);
    deps.reporter.result(
      'delivery-stored',
      { id, recipient: recipient.username, files: files.length, bytes: total, expiresAt: done.expiresAt },
      [`Stored for ${recipient.username}: ${id} (${files.length} file(s), ${formatBytes(total)}), until ${done.expiresAt}.`, `${recipient.username} gets it with \`sft receive ${id}\` (\`sft inbox\` lists it).`],
    );
  } catch (error) {
    await api.withdrawDelivery(id).catch(() => undefined); // free the quota; nothing half-uploaded is ever offered anyway
    throw error;
  } finally {
    fileKey.fill(0);
  }
}
