/**
 * `sft send FILE... --to USER [--expires DURATION]`: a stored delivery for someone who need not be online.
 * Encrypts on this machine (stored format: client/src/delivery/), uploads only ciphertext, and the delivery
 * becomes visible to USER once the upload is complete. The file key needs both the server's key for the
 * delivery and an X25519 exchange with USER's pinned delivery key, so the server alone decrypts nothing.
 * A run that stops (killed, Ctrl-C, server gone) leaves a record in SFT_HOME/sends; running the same command
 * again continues that delivery from the parts the server holds (delivery/pending-upload.ts).
 */
import { generateKeyPairSync } from 'node:crypto';
import * as path from 'node:path';
import { PART_BYTES } from '../../../server/src/deliveries/delivery-limits';
import { x25519ToBase64 } from '../crypto/delivery-key';
import { keyFingerprint, privateKeyFromPem } from '../crypto/identity';
import type { ApiClient } from '../api/api-client';
import { ApiError } from '../api/api-error';
import { findResumableSend, stampSources, type ResumePlan } from '../delivery/pending-upload';
import { inParts, sealDelivery } from '../delivery/seal-delivery';
import { blobSize, deliveryFileKey } from '../delivery/stored-format';
import { isPassing, UploadInterrupted, uploadParts } from '../delivery/upload';
import { ExitCode, ExitError, usageError } from '../errors';
import { formatBytes } from '../report/format';
import { serverKey } from '../state/home';
import type { SourceStamp } from '../state/pending-sends-file';
import { collectFiles } from '../transfer';
import type { LocalFile } from '../transfer/manifest';
import { requireIdentity, requireLogin } from './connection';
import { recipientKeys, type RecipientKeys } from './delivery-keys';
import type { Deps, GlobalOptions } from './deps';

const MIB = 1024 * 1024;

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
  const sources = await stampSources(files);
  const pending = deps.state.pendingSends;
  const plan = await findResumableSend({ api, pending, sender: me, recipient: recipient.username, sources, onNote: (event, data, text) => deps.reporter.step(event, data, text) });
  const upload = plan ? resumeUpload(plan, deps) : await newUpload(deps, api, me, recipient, files, sources, opts.expires);
  const { id, fileKey } = upload;

  const total = files.reduce((sum, f) => sum + f.size, 0);
  try {
    if (plan?.kind !== 'complete') {
      const progress = deps.reporter.progress(`to ${recipient.username}`, total);
      const sealed = sealDelivery(files, { deliveryId: id, fileKey, sender: me, recipient: recipient.username, identityPrivateKey: privateKeyFromPem(identity.privateKeyPem), onProgress: (done) => progress.update(done) });
      await uploadParts(api, id, inParts(sealed, PART_BYTES), {
        firstPart: upload.firstPart,
        signal: deps.signal,
        onRetry: (reason, index) => deps.reporter.step('upload-retry', { id, part: index, reason }, `Upload of part ${index} failed (${reason}); trying again…`),
      });
      progress.finish();
    }
    const done = await api.completeDelivery(id);
    await pending.delete(id);
    deps.reporter.result(
      'delivery-stored',
      { id, recipient: recipient.username, files: files.length, bytes: total, expiresAt: done.expiresAt },
      [`Stored for ${recipient.username}: ${id} (${files.length} file(s), ${formatBytes(total)}), until ${done.expiresAt}.`, `${recipient.username} gets it with \`sft receive ${id}\` (\`sft inbox\` lists it).`],
    );
  } catch (error) {
    if (error instanceof UploadInterrupted || isPassing(error) || isRaceLost(error)) {
      // Kept for a rerun: the record in SFT_HOME/sends and the parts on the server.
      deps.reporter.warn(`The upload of delivery ${id} stopped; run the same \`sft send\` again to continue it (\`sft withdraw ${id}\` to drop it).`);
      if (error instanceof UploadInterrupted) throw new ExitError(ExitCode.Closed, `Interrupted; delivery ${id} is not complete.`);
      throw error;
    }
    await api.withdrawDelivery(id).catch(() => undefined); // free the quota; nothing half-uploaded is ever offered anyway
    await pending.delete(id);
    throw error;
  } finally {
    fileKey.fill(0);
  }
}

/** Another run of this same send is uploading the delivery too: leave it to that one. */
function isRaceLost(error: unknown): boolean {
  return error instanceof ApiError && error.code === 'upload_out_of_order';
}

interface Upload {
  id: string;
  /** Secret. */
  fileKey: Buffer;
  /** Parts the server already has. */
  firstPart: number;
}

/** Continues the earlier run's delivery with its file key, from the parts the server holds. */
function resumeUpload(plan: ResumePlan, deps: Deps): Upload {
  const { record, delivery } = plan;
  const at = Math.floor((delivery.uploadedParts * PART_BYTES) / MIB);
  deps.reporter.step('resume', { id: record.deliveryId, uploadedParts: delivery.uploadedParts, partCount: delivery.partCount }, `Resuming upload of delivery ${record.deliveryId} at ${at} MiB`);
  return { id: record.deliveryId, fileKey: Buffer.from(record.fileKey, 'base64'), firstPart: delivery.uploadedParts };
}

/** Announces a new delivery, derives its file key, and records what a rerun needs (before any part is sent). */
async function newUpload(deps: Deps, api: ApiClient, me: string, recipient: RecipientKeys, files: LocalFile[], sources: SourceStamp[], expires: number | undefined): Promise<Upload> {
  const ephemeral = generateKeyPairSync('x25519');
  const bytes = blobSize(files);
  const created = await api.createDelivery({
    recipient: recipient.username,
    files: files.map(({ name, size }) => ({ name, size })),
    bytes,
    ephemeralKey: x25519ToBase64(ephemeral.publicKey),
    recipientKeyFingerprint: keyFingerprint(recipient.deliveryKey),
    ...(expires === undefined ? {} : { expiresInSeconds: expires }),
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
  await deps.state.pendingSends.save({
    version: 1,
    server: serverKey(api.serverUrl),
    sender: me,
    recipient: recipient.username,
    deliveryId: id,
    files: sources,
    fileKey: fileKey.toString('base64'),
    createdAt: new Date().toISOString(),
  });
  return { id, fileKey, firstPart: 0 };
}
