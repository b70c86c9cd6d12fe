import type { MigrationInterface, QueryRunner } from 'typeorm';

const COLUMNS = ['files NOT NULL', 'sender_report NULL', 'receiver_report NULL'];

/**
 * A session may list up to 1,000 files with their digests: more than MySQL's TEXT (64 KiB) holds.
 * MEDIUMTEXT holds 16 MiB. SQLite's TEXT has no such limit, so there is nothing to do there.
 */
export class WidenSessionFileLists1763900000003 implements MigrationInterface {
  async up(queryRunner: QueryRunner): Promise<void> {
    if (queryRunner.connection.options.type !== 'mysql') return;
    for (const column of COLUMNS) await queryRunner.query(`ALTER TABLE sessions MODIFY ${column.replace(' ', ' MEDIUMTEXT ')}`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    if (queryRunner.connection.options.type !== 'mysql') return;
    for (const column of COLUMNS) await queryRunner.query(`ALTER TABLE sessions MODIFY ${column.replace(' ', ' TEXT ')}`);
  }
}
