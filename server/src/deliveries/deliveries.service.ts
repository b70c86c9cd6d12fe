import type { Readable } from 'node:stream';
import { Inject, Injectable } from '@nestjs/common';
import { RequestError, RequestErrorCode } from '../common/app-error';
import type { AuthUser } from '../common/authenticated-request';
import { LookupLimiter } from '../common/lookup-limiter';
import { AppConfig } from '../config/app-config';
import { newSessionId, parseSessionId } from '../sessions/session-id';
import { SessionKeyCipher } from '../sessions/session-key-cipher';
import { UsersService } from '../users/users.service';
import { UserError, UserErrorCode } from '../users/users.errors';
import { BLOB_STORE, type BlobStore } from './blob-store';
import { parseByteRange } from './byte-range';
import { PART_BYTES } from './delivery-limits';
import { DeliveryState, isOpenDelivery } from './delivery-state';
import { toDeliveryView } from './delivery-view.mapper';
import { DeliveryRepository, type DeliveryClosing } from './delivery.repository';
import type { Delivery } from './delivery.entity';
import { DeliveryError, DeliveryErrorCode } from './deliveries.errors';
import type { CreateDeliveryDto, ReceiptDto } from './dto/delivery-requests.dto';
import type { CreatedDeliveryView, DeliveryView, OpenedDeliveryView, UploadProgressView } from './dto/delivery-view.dto';

const LIST_LIMIT = 200;

/** A blob download: the stream of bytes `start`…size-1 of a blob of `size` bytes; `partial` for a range (206). */
export interface BlobAnswer {
  size: number;
  start: number;
  partial: boolean;
  stream: Readable;
}
const SWEEP_BATCH = 500;

/**
 * Stored deliveries: the rules for creating one (quota, size, expiry), uploading its ciphertext in order,
 * making it visible only when complete, fetching, receipts, withdrawal and expiry. The ciphertext is in the
 * BlobStore; the delivery's server key is stored encrypted under the master key (as session keys) and
 * erased when the delivery closes. Rows never leave this service.
 */
@Injectable()
export class DeliveriesService {
  constructor(
    private readonly deliveries: DeliveryRepository,
    @Inject(AppConfig) private readonly config: AppConfig,
    @Inject(BLOB_STORE) private readonly blobs: BlobStore,
    private readonly users: UsersService,
    private readonly cipher: SessionKeyCipher,
    private readonly lookups: LookupLimiter,
  ) {}

  /** Size, quota and expiry are checked here, before a byte of the upload is sent. */
  async create(user: AuthUser, body: CreateDeliveryDto): Promise<CreatedDeliveryView> {
    if (body.bytes > this.config.storeMaxBytes) {
      throw new DeliveryError(DeliveryErrorCode.TooLarge, { message: `This delivery (${body.bytes} bytes) is larger than the ${this.config.storeMaxBytes} bytes the server stores.` });
    }
    const ttl = body.expiresInSeconds ?? this.config.deliveryTtlSeconds;
    if (ttl > this.config.deliveryMaxTtlSeconds) {
      throw new RequestError(RequestErrorCode.ValidationFailed, `expiresInSeconds: at most ${this.config.deliveryMaxTtlSeconds}`);
    }
    await this.lookups.check(user.id);
    const recipient = await this.users.findIdentity(body.recipient);
    if (!recipient) {
      await this.lookups.miss(user.id);
      throw new UserError(UserErrorCode.UserNotFound);
    }
    if (recipient.id === user.id) throw new RequestError(RequestErrorCode.ValidationFailed, 'recipient: cannot be yourself');
    const now = new Date();
    const id = newSessionId();
    const key = this.cipher.newKey();
    const delivery = this.deliveries.build({
      id,
      state: DeliveryState.Uploading,
      senderId: user.id,
      senderUsername: user.username,
      recipientId: recipient.id,
      recipientUsername: recipient.username,
      files: body.files.map(({ name, size }) => ({ name, size })),
      bytes: body.bytes,
      partCount: Math.ceil(body.bytes / PART_BYTES),
      uploadedParts: 0,
      ephemeralKey: body.ephemeralKey,
      recipientKeyFingerprint: body.recipientKeyFingerprint,
      encryptedKey: this.cipher.encrypt(keyContext(id), key),
      reason: null,
      createdAt: now,
      expiresAt: new Date(now.getTime() + ttl * 1000),
      readyAt: null,
      closedAt: null,
    });
    if (!(await this.deliveries.insertWithinQuota(delivery, this.config.storeQuotaBytes))) {
      const stored = await this.deliveries.storedBytes(user.id);
      throw new DeliveryError(DeliveryErrorCode.QuotaExceeded, {
        message: `This delivery (${body.bytes} bytes) does not fit your quota: ${stored} of ${this.config.storeQuotaBytes} bytes are in use.`,
      });
    }
    return { delivery: toDeliveryView(delivery), key: key.toString('base64') };
  }

  /**
   * Stores upload part `index` (the bytes from index × PART_BYTES). A part already stored is answered as
   * done (a retry after a lost answer); a part past the next expected one is refused with the progress.
   */
  async putPart(user: AuthUser, rawId: string, index: number, body: Readable): Promise<UploadProgressView> {
    const delivery = await this.findAsSender(user, rawId);
    if (delivery.state !== DeliveryState.Uploading) {
      body.resume();
      if (delivery.state === DeliveryState.Ready) return progress(delivery);
      throw new DeliveryError(DeliveryErrorCode.Closed, { state: delivery.state });
    }
    if (index < delivery.uploadedParts) {
      body.resume();
      return progress(delivery);
    }
    if (index > delivery.uploadedParts || index >= delivery.partCount) {
      body.resume();
      throw new DeliveryError(DeliveryErrorCode.OutOfOrder, { message: `Upload parts must come in order: the server expects part ${delivery.uploadedParts} of ${delivery.partCount}.` });
    }
    const expected = Math.min(PART_BYTES, delivery.bytes - index * PART_BYTES);
    const data = await readExactly(body, expected);
    try {
      await this.blobs.writePart(delivery.id, index * PART_BYTES, data);
    } catch (error) {
      if (isNoSpace(error)) throw new DeliveryError(DeliveryErrorCode.StorageFull);
      throw error;
    }
    if (!(await this.deliveries.partStored(delivery.id, index))) return progress(await this.deliveries.get(delivery.id));
    return { uploadedParts: index + 1, partCount: delivery.partCount };
  }

  /** Makes a fully uploaded delivery visible to its recipient. */
  async complete(user: AuthUser, rawId: string): Promise<DeliveryView> {
    const delivery = await this.findAsSender(user, rawId);
    if (delivery.state === DeliveryState.Ready) return toDeliveryView(delivery);
    if (delivery.state !== DeliveryState.Uploading) throw new DeliveryError(DeliveryErrorCode.Closed, { state: delivery.state });
    if (delivery.uploadedParts !== delivery.partCount) {
      throw new DeliveryError(DeliveryErrorCode.Incomplete, { message: `The upload is not complete: ${delivery.uploadedParts} of ${delivery.partCount} parts.` });
    }
    await this.blobs.seal(delivery.id);
    const now = new Date();
    if (!(await this.deliveries.markReady(delivery.id, now))) {
      const current = await this.deliveries.get(delivery.id);
      if (current.state !== DeliveryState.Ready) throw new DeliveryError(DeliveryErrorCode.Closed, { state: current.state });
      return toDeliveryView(current);
    }
    return toDeliveryView({ ...delivery, state: DeliveryState.Ready, readyAt: now });
  }

  async list(user: AuthUser): Promise<DeliveryView[]> {
    const rows = await this.deliveries.listForParticipant(user.id, LIST_LIMIT);
    return (await Promise.all(rows.map((row) => this.settleIfOverdue(row)))).map(toDeliveryView);
  }

  async get(user: AuthUser, rawId: string): Promise<DeliveryView> {
    return toDeliveryView(await this.findForParticipant(user, rawId));
  }

  /** The recipient's key to a ready delivery (with the sender's identity key to check the signature with). */
  async open(user: AuthUser, rawId: string): Promise<OpenedDeliveryView> {
    const delivery = await this.findForRecipient(user, rawId);
    if (delivery.state !== DeliveryState.Ready || !delivery.encryptedKey) throw new DeliveryError(DeliveryErrorCode.Closed, { state: delivery.state });
    return {
      delivery: toDeliveryView(delivery),
      key: this.cipher.decrypt(keyContext(delivery.id), delivery.encryptedKey).toString('base64'),
      senderSigningKey: await this.users.findSigningKey(delivery.senderId),
    };
  }

  /**
   * The ciphertext, for the recipient of a ready delivery: all of it, or from byte N on for `Range: bytes=N-`
   * (a receiver resuming its download; byte-range.ts).
   */
  async blob(user: AuthUser, rawId: string, rangeHeader?: string): Promise<BlobAnswer> {
    const delivery = await this.findForRecipient(user, rawId);
    if (delivery.state !== DeliveryState.Ready) throw new DeliveryError(DeliveryErrorCode.Closed, { state: delivery.state });
    const range = parseByteRange(rangeHeader, delivery.bytes);
    if (range.kind === 'unsatisfiable') {
      throw new DeliveryError(DeliveryErrorCode.RangeNotSatisfiable, { message: `The range starts at or past the end of the delivery (${delivery.bytes} bytes).` });
    }
    const start = range.kind === 'from' ? range.start : 0;
    const { size, stream } = await this.blobs.read(delivery.id, start);
    return { size, start, partial: range.kind === 'from', stream };
  }

  /** The recipient's receipt: verified → `received`, else `failed`; either way the ciphertext and key go. */
  async receipt(user: AuthUser, rawId: string, body: ReceiptDto): Promise<DeliveryView> {
    const delivery = await this.findForRecipient(user, rawId);
    const closing = closingAs(
      body.verified ? DeliveryState.Received : DeliveryState.Failed,
      body.verified ? null : (body.reason ?? `${user.username} could not verify it.`),
    );
    return this.closeAndDelete(delivery, [DeliveryState.Ready], closing);
  }

  /** The sender takes back a delivery that has not been received. */
  async withdraw(user: AuthUser, rawId: string): Promise<DeliveryView> {
    const delivery = await this.findAsSender(user, rawId);
    return this.closeAndDelete(delivery, [DeliveryState.Uploading, DeliveryState.Ready], closingAs(DeliveryState.Withdrawn, `Withdrawn by ${user.username}.`));
  }

  /**
   * Expires overdue deliveries, and uploads not completed within SFT_TRANSFER_TIMEOUT (a sender that died
   * mid-upload must not hold its quota for days), and deletes their ciphertext; answers how many.
   */
  async sweep(now = new Date()): Promise<number> {
    let closed = 0;
    const abandonedBefore = new Date(now.getTime() - this.config.transferTimeoutSeconds * 1000);
    for (const id of await this.deliveries.overdue(now, abandonedBefore, SWEEP_BATCH)) {
      if (await this.deliveries.close(id, [DeliveryState.Uploading, DeliveryState.Ready], expiredAt(now))) closed++;
      await this.blobs.delete(id);
    }
    return closed;
  }

  private async closeAndDelete(delivery: Delivery, from: DeliveryState[], closing: DeliveryClosing): Promise<DeliveryView> {
    if (!from.includes(delivery.state)) throw new DeliveryError(DeliveryErrorCode.Closed, { state: delivery.state });
    if (!(await this.deliveries.close(delivery.id, from, closing))) {
      throw new DeliveryError(DeliveryErrorCode.Closed, { state: (await this.deliveries.get(delivery.id)).state });
    }
    await this.blobs.delete(delivery.id);
    return toDeliveryView({ ...delivery, ...closing });
  }

  /** Owner in the query; someone else's delivery is indistinguishable from none and counts against the budget. */
  private async findForParticipant(user: AuthUser, rawId: string): Promise<Delivery> {
    return this.settleIfOverdue(await this.lookup(user, rawId, (id) => this.deliveries.findForParticipant(id, user.id)));
  }

  private async findAsSender(user: AuthUser, rawId: string): Promise<Delivery> {
    const found = await this.findForParticipant(user, rawId);
    if (found.senderId !== user.id) throw new DeliveryError(DeliveryErrorCode.NotFound);
    return found;
  }

  private async findForRecipient(user: AuthUser, rawId: string): Promise<Delivery> {
    const found = await this.lookup(user, rawId, (id) => this.deliveries.findForRecipientWithKey(id, user.id));
    return this.settleIfOverdue(found);
  }

  private async lookup(user: AuthUser, rawId: string, find: (id: string) => Promise<Delivery | null>): Promise<Delivery> {
    await this.lookups.check(user.id);
    const id = parseSessionId(rawId);
    const found = id ? await find(id) : null;
    if (!found) {
      await this.lookups.miss(user.id);
      throw new DeliveryError(DeliveryErrorCode.NotFound);
    }
    return found;
  }

  /** An open delivery past its expiry is expired (and its ciphertext deleted) before anyone sees it as open. */
  private async settleIfOverdue(delivery: Delivery, now = new Date()): Promise<Delivery> {
    if (!isOpenDelivery(delivery.state) || delivery.expiresAt.getTime() >= now.getTime()) return delivery;
    const closing = expiredAt(now);
    if (!(await this.deliveries.close(delivery.id, [delivery.state], closing))) return this.deliveries.get(delivery.id);
    await this.blobs.delete(delivery.id);
    return { ...delivery, ...closing };
  }
}

/** The delivery's key is encrypted bound to this string, so it cannot be pasted into a session row. */
function keyContext(id: string): string {
  return `delivery/${id}`;
}

function progress(d: Delivery): UploadProgressView {
  return { uploadedParts: d.uploadedParts, partCount: d.partCount };
}

function closingAs(state: DeliveryState, reason: string | null, closedAt = new Date()): DeliveryClosing {
  return { state, reason, encryptedKey: null, closedAt };
}

function expiredAt(now: Date): DeliveryClosing {
  return closingAs(DeliveryState.Expired, 'Nobody fetched it in time.', now);
}

function isNoSpace(error: unknown): boolean {
  const code = (error as NodeJS.ErrnoException).code;
  return code === 'ENOSPC' || code === 'EDQUOT' || code === 'EFBIG';
}

/** Reads a request body that must be exactly `length` bytes; refuses more (without buffering it) or fewer. */
async function readExactly(body: Readable, length: number): Promise<Buffer> {
  const data = Buffer.allocUnsafe(length);
  let got = 0;
  for await (const chunk of body as AsyncIterable<Buffer>) {
    if (got + chunk.length > length) {
      throw new DeliveryError(DeliveryErrorCode.BadPart, { message: `This upload part must be exactly ${length} bytes.` });
    }
    chunk.copy(data, got);
    got += chunk.length;
  }
  if (got !== length) throw new DeliveryError(DeliveryErrorCode.BadPart, { message: `This upload part must be exactly ${length} bytes; got ${got}.` });
  return data;
}
