/**
 * Continuing an unfinished `sft send` (issue 14): before a new delivery is announced, the record of an
 * earlier run with the same sources for the same recipient (SFT_HOME/sends/, state/pending-sends-file.ts)
 * is checked against the sources on disk (size, modification time, inode change time, inode) and against the server
 * (`GET /deliveries/:id`: still `uploading`, and how many parts it holds). The file key in the record makes
 * the same ciphertext again (GCM nonces and the Ed25519 signature are deterministic), so only the parts the
 * server lacks are sent. A changed source, or a delivery the server closed, is withdrawn and forgotten and
 * the caller starts a new delivery; the user is told either way.
 */
import { stat } from 'node:fs/promises';
import type { ApiClient } from '../api/api-client';
import { ApiError } from '../api/api-error';
import type { DeliveryView } from '../api/types';
import type { LocalFile } from '../transfer/manifest';
import type { PendingSend, PendingSendsFile, SourceStamp } from '../state/pending-sends-file';

export type ResumePlan =
  /** Still uploading: send parts `uploadedParts`… with the record's file key. */
  | { kind: 'upload'; record: PendingSend; delivery: DeliveryView }
  /** Every part is on the server (the earlier run died before or during `complete`). */
  | { kind: 'complete'; record: PendingSend; delivery: DeliveryView };

/** The sources as they are now: absolute path, manifest name, size, modification and inode change times, inode. */
export async function stampSources(files: LocalFile[]): Promise<SourceStamp[]> {
  return Promise.all(
    files.map(async (f) => {
      const info = await stat(f.path);
      return { path: f.path, name: f.name, size: f.size, mtimeMs: info.mtimeMs, ctimeMs: info.ctimeMs, ino: info.ino };
    }),
  );
}

export interface FindResumeInput {
  api: ApiClient;
  pending: PendingSendsFile;
  sender: string;
  recipient: string;
  sources: SourceStamp[];
  /** Tells the user why an earlier run is not continued. */
  onNote: (event: string, data: Record<string, unknown>, text: string) => void;
}

/** The earlier unfinished run of this very send, if it can be continued; records that cannot are cleaned up. */
export async function findResumableSend(input: FindResumeInput): Promise<ResumePlan | null> {
  const { api, pending, sources } = input;
  let plan: ResumePlan | null = null;
  for (const record of await pending.find(api.serverUrl, input.sender, input.recipient)) {
    if (plan || !sameSourcePaths(record.files, sources)) {
      await forgetIfClosed(input, record);
      continue;
    }
    const id = record.deliveryId;
    const changed = changedSource(record.files, sources);
    if (changed) {
      input.onNote('source-changed', { id, path: changed.path }, `${changed.path} changed since delivery ${id} began (size, modification time or inode); withdrawing it and starting a new delivery.`);
      await api.withdrawDelivery(id).catch(() => undefined);
      await pending.delete(id);
      continue;
    }
    let delivery: DeliveryView;
    try {
      delivery = await api.getDelivery(id);
    } catch (error) {
      if (!(error instanceof ApiError) || (error.status !== 404 && error.status !== 410)) throw error;
      input.onNote('resume-gone', { id }, `Delivery ${id} is no longer on the server; starting a new delivery.`);
      await pending.delete(id);
      continue;
    }
    if (delivery.state === 'uploading') plan = { kind: 'upload', record, delivery };
    else if (delivery.state === 'ready') plan = { kind: 'complete', record, delivery };
    else {
      input.onNote('resume-gone', { id, state: delivery.state }, `Delivery ${id} is ${delivery.state} now; starting a new delivery.`);
      await pending.delete(id);
    }
  }
  return plan;
}

/**
 * Another unfinished send to the same recipient (other sources): its record (and file key) goes once the
 * upload is complete or the server has closed it; while it is uploading the user is reminded of it.
 */
async function forgetIfClosed(input: FindResumeInput, record: PendingSend): Promise<void> {
  const id = record.deliveryId;
  const state = await input.api.getDelivery(id).then(
    (d) => d.state as string,
    (error: unknown) => (error instanceof ApiError && (error.status === 404 || error.status === 410) ? 'gone' : null),
  );
  if (state === 'uploading') {
    input.onNote('unfinished-send', { id }, `Delivery ${id} to ${record.recipient} (other files) is not fully uploaded; run that \`sft send\` again to continue it, or \`sft withdraw ${id}\`.`);
  } else if (state !== null) {
    await input.pending.delete(id); // stored (nothing left to upload) or closed
  }
}

function sameSourcePaths(before: SourceStamp[], now: SourceStamp[]): boolean {
  return before.length === now.length && before.every((f, i) => f.path === now[i].path && f.name === now[i].name);
}

function changedSource(before: SourceStamp[], now: SourceStamp[]): SourceStamp | undefined {
  return now.find((f, i) => f.size !== before[i].size || f.mtimeMs !== before[i].mtimeMs || f.ctimeMs !== before[i].ctimeMs || f.ino !== before[i].ino);
}
