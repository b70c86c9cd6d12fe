import { Table, TableIndex, type MigrationInterface, type QueryRunner } from 'typeorm';
import { dateTimeColumn, varcharColumn } from '../column-types';

/**
 * Stored deliveries (issue 13): metadata only; the ciphertext is in the blob store (a directory by default).
 * `files` lists up to 1,000 names: MEDIUMTEXT on MySQL (TEXT holds 64 KiB), TEXT on SQLite (no limit).
 */
export class CreateDeliveries1763900000005 implements MigrationInterface {
  async up(queryRunner: QueryRunner): Promise<void> {
    const longText = queryRunner.connection.options.type === 'mysql' ? 'mediumtext' : 'text';
    await queryRunner.createTable(
      new Table({
        name: 'deliveries',
        columns: [
          { ...varcharColumn('id', 16), isPrimary: true },
          varcharColumn('state', 16),
          varcharColumn('sender_id', 36),
          varcharColumn('sender_username', 32),
          varcharColumn('recipient_id', 36),
          varcharColumn('recipient_username', 32),
          { name: 'files', type: longText },
          { name: 'bytes', type: 'bigint' },
          { name: 'part_count', type: 'int' },
          { name: 'uploaded_parts', type: 'int', default: 0 },
          varcharColumn('ephemeral_key', 44),
          varcharColumn('recipient_key_fingerprint', 64),
          varcharColumn('encrypted_key', 128, true),
          varcharColumn('reason', 500, true),
          dateTimeColumn(queryRunner, 'created_at'),
          dateTimeColumn(queryRunner, 'expires_at'),
          dateTimeColumn(queryRunner, 'ready_at', true),
          dateTimeColumn(queryRunner, 'closed_at', true),
        ],
        foreignKeys: [
          { columnNames: ['sender_id'], referencedTableName: 'users', referencedColumnNames: ['id'] },
          { columnNames: ['recipient_id'], referencedTableName: 'users', referencedColumnNames: ['id'] },
        ],
      }),
      false,
      true,
    );
    await queryRunner.createIndices('deliveries', [
      new TableIndex({ name: 'idx_deliveries_sender', columnNames: ['sender_id'] }),
      new TableIndex({ name: 'idx_deliveries_recipient', columnNames: ['recipient_id'] }),
      new TableIndex({ name: 'idx_deliveries_state_expires', columnNames: ['state', 'expires_at'] }),
    ]);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.dropTable('deliveries', false, true, true);
  }
}
