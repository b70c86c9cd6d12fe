import { TableColumn, type MigrationInterface, type QueryRunner } from 'typeorm';
import { dateTimeColumn } from '../column-types';

/**
 * Issue 14 (resume): `attempt` is the index of the session's current peer link (0 for the first; one more at
 * each interruption), `interrupted_at` when the last interruption began, `link_bytes` the file bytes that
 * crossed the peer links over all attempts (from the reports: the receiver's, else the sender's).
 */
export class SessionAttempts1763900001400 implements MigrationInterface {
  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.addColumns('sessions', [
      new TableColumn({ name: 'attempt', type: 'int', isNullable: false, default: 0 }),
      new TableColumn(dateTimeColumn(queryRunner, 'interrupted_at', true)),
      new TableColumn({ name: 'link_bytes', type: 'bigint', isNullable: true }),
    ]);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.dropColumn('sessions', 'link_bytes');
    await queryRunner.dropColumn('sessions', 'interrupted_at');
    await queryRunner.dropColumn('sessions', 'attempt');
  }
}
