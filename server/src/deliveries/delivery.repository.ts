import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { In, LessThan, Not, Repository, type EntityManager } from 'typeorm';
import { DeliveryState, OPEN_DELIVERY_STATES } from './delivery-state';
import { Delivery } from './delivery.entity';

/** The columns a close sets: the key is always erased. */
export type DeliveryClosing = Pick<Delivery, 'state' | 'reason' | 'closedAt'> & { encryptedKey: null };

/**
 * The SQL of the `deliveries` table, and nothing else. Every change is conditional on the state it expects
 * and answers whether it happened, so the service can tell a lost race from success.
 */
@Injectable()
export class DeliveryRepository {
  constructor(@InjectRepository(Delivery) private readonly deliveries: Repository<Delivery>) {}

  build(fields: Delivery): Delivery {
    return this.deliveries.create(fields);
  }

  /**
   * Inserts `delivery` only if its sender's open deliveries and it stay within `quota` bytes, atomically: of
   * announcements made at once, no two are both taken when together they exceed it. Answers whether it was.
   * MySQL: a transaction that first locks the sender's `users` row, so one sender's announcements take turns
   * (and the sum is read after the lock, seeing what the one before committed). SQLite: one conditional
   * INSERT … SELECT, which runs under the database's write lock.
   */
  async insertWithinQuota(delivery: Delivery, quota: number): Promise<boolean> {
    if (this.deliveries.manager.connection.options.type === 'mysql') {
      return this.deliveries.manager.transaction(async (manager) => {
        await manager.query('SELECT id FROM users WHERE id = ? FOR UPDATE', [delivery.senderId]);
        if ((await this.storedBytes(delivery.senderId, manager)) + delivery.bytes > quota) return false;
        await manager.insert(Delivery, delivery);
        return true;
      });
    }
    const { driver } = this.deliveries.manager.connection;
    const columns = this.deliveries.metadata.columns;
    const sql =
      `INSERT INTO deliveries (${columns.map((column) => driver.escape(column.databaseName)).join(', ')}) ` +
      `SELECT ${columns.map(() => '?').join(', ')} ` +
      `WHERE (SELECT COALESCE(SUM(bytes), 0) FROM deliveries WHERE sender_id = ? AND state IN (${OPEN_DELIVERY_STATES.map(() => '?').join(', ')})) + ? <= ?`;
    const values = columns.map((column) => driver.preparePersistentValue(column.getEntityValue(delivery), column));
    const runner = this.deliveries.manager.connection.createQueryRunner();
    try {
      const result = await runner.query(sql, [...values, delivery.senderId, ...OPEN_DELIVERY_STATES, delivery.bytes, quota], true);
      return result.affected === 1;
    } finally {
      await runner.release();
    }
  }

  /** Owner in the query: the delivery when `userId` sent it, or receives it and its upload is complete. */
  findForParticipant(id: string, userId: string): Promise<Delivery | null> {
    return this.deliveries.findOne({
      where: [
        { id, senderId: userId },
        { id, recipientId: userId, state: Not(DeliveryState.Uploading) },
      ],
    });
  }

  /** The delivery with its encrypted key, when `userId` is its recipient and the upload is complete. */
  findForRecipientWithKey(id: string, userId: string): Promise<Delivery | null> {
    return this.deliveries
      .createQueryBuilder('d')
      .addSelect('d.encryptedKey')
      .where('d.id = :id AND d.recipient_id = :userId AND d.state <> :uploading', { id, userId, uploading: DeliveryState.Uploading })
      .getOne();
  }

  /** Mine as sender (all) or recipient (complete uploads only), newest first. */
  listForParticipant(userId: string, limit: number): Promise<Delivery[]> {
    return this.deliveries.find({
      where: [{ senderId: userId }, { recipientId: userId, state: Not(DeliveryState.Uploading) }],
      order: { createdAt: 'DESC', id: 'ASC' },
      take: limit,
    });
  }

  /** Ciphertext bytes `senderId` has stored or is uploading (what counts against the quota). */
  async storedBytes(senderId: string, manager: EntityManager = this.deliveries.manager): Promise<number> {
    const row = await manager
      .createQueryBuilder(Delivery, 'd')
      .select('COALESCE(SUM(d.bytes), 0)', 'total')
      .where('d.sender_id = :senderId AND d.state IN (:...open)', { senderId, open: OPEN_DELIVERY_STATES })
      .getRawOne<{ total: string | number }>();
    return Number(row?.total ?? 0);
  }

  /** Counts one more stored part if the upload still expects part `index`. */
  async partStored(id: string, index: number): Promise<boolean> {
    const result = await this.deliveries.update({ id, state: DeliveryState.Uploading, uploadedParts: index }, { uploadedParts: index + 1 });
    return (result.affected ?? 0) > 0;
  }

  async markReady(id: string, now: Date): Promise<boolean> {
    const result = await this.deliveries.update({ id, state: DeliveryState.Uploading }, { state: DeliveryState.Ready, readyAt: now });
    return (result.affected ?? 0) > 0;
  }

  async close(id: string, from: DeliveryState[], closing: DeliveryClosing): Promise<boolean> {
    const result = await this.deliveries.update({ id, state: In(from) }, closing);
    return (result.affected ?? 0) > 0;
  }

  /**
   * Open deliveries whose expiry passed, and uploads begun before `abandonedBefore` and never completed:
   * their ids (to delete the blobs after closing them).
   */
  async overdue(now: Date, abandonedBefore: Date, limit: number): Promise<string[]> {
    const rows = await this.deliveries.find({
      select: { id: true },
      where: [
        { state: In(OPEN_DELIVERY_STATES), expiresAt: LessThan(now) },
        { state: DeliveryState.Uploading, createdAt: LessThan(abandonedBefore) },
      ],
      take: limit,
    });
    return rows.map((row) => row.id);
  }

  get(id: string): Promise<Delivery> {
    return this.deliveries.findOneOrFail({ where: { id } });
  }
}
