import { Table, TableIndex, type MigrationInterface, type QueryRunner } from 'typeorm';
import { dateTimeColumn, varcharColumn } from '../column-types';

/** Transfer sessions: participants, peer certificates, reports and the encrypted session key. */
export class CreateSessions1763900000002 implements MigrationInterface {
  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.createTable(
      new Table({
        name: 'sessions',
        columns: [
          { ...varcharColumn('id', 16), isPrimary: true },
          varcharColumn('state', 16),
          varcharColumn('direction', 16),
          varcharColumn('host_id', 36),
          varcharColumn('host_username', 32),
          varcharColumn('joiner_id', 36, true),
          varcharColumn('joiner_username', 32, true),
          varcharColumn('invitee_id', 36, true),
          varcharColumn('invitee_username', 32, true),
          varcharColumn('endpoint_host', 255),
          { name: 'endpoint_port', type: 'int' },
          { name: 'host_certificate', type: 'text' },
          varcharColumn('host_fingerprint', 64),
          { name: 'joiner_certificate', type: 'text', isNullable: true },
          varcharColumn('joiner_fingerprint', 64, true),
          { name: 'files', type: 'text' },
          { name: 'sender_report', type: 'text', isNullable: true },
          { name: 'receiver_report', type: 'text', isNullable: true },
          { name: 'bytes', type: 'bigint', default: 0 },
          varcharColumn('reason', 500, true),
          varcharColumn('encrypted_key', 128, true),
          dateTimeColumn(queryRunner, 'created_at'),
          dateTimeColumn(queryRunner, 'expires_at'),
          dateTimeColumn(queryRunner, 'joined_at', true),
          dateTimeColumn(queryRunner, 'closed_at', true),
        ],
        foreignKeys: [
          { columnNames: ['host_id'], referencedTableName: 'users', referencedColumnNames: ['id'] },
          { columnNames: ['joiner_id'], referencedTableName: 'users', referencedColumnNames: ['id'] },
          { columnNames: ['invitee_id'], referencedTableName: 'users', referencedColumnNames: ['id'] },
        ],
      }),
      false,
      true,
    );
    await queryRunner.createIndices('sessions', [
      new TableIndex({ name: 'idx_sessions_host', columnNames: ['host_id'] }),
      new TableIndex({ name: 'idx_sessions_joiner', columnNames: ['joiner_id'] }),
      new TableIndex({ name: 'idx_sessions_state_expires', columnNames: ['state', 'expires_at'] }),
    ]);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.dropTable('sessions', false, true, true);
  }
}
