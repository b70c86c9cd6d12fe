import { Table, type MigrationInterface, type QueryRunner } from 'typeorm';
import { dateTimeColumn, varcharColumn } from '../column-types';

/** Accounts: lowercase unique usernames, bcrypt hashes, optional Ed25519 signing keys. */
export class CreateUsers1763900000000 implements MigrationInterface {
  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.createTable(
      new Table({
        name: 'users',
        columns: [
          { ...varcharColumn('id', 36), isPrimary: true },
          { ...varcharColumn('username', 32), isUnique: true },
          varcharColumn('password_hash', 100),
          varcharColumn('signing_key', 44, true),
          dateTimeColumn(queryRunner, 'created_at'),
        ],
      }),
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.dropTable('users');
  }
}
