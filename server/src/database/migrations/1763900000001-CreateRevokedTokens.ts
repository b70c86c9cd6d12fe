import { Table, TableIndex, type MigrationInterface, type QueryRunner } from 'typeorm';
import { dateTimeColumn, varcharColumn } from '../column-types';

/** Ids of logged-out tokens, kept until the token's own expiry. */
export class CreateRevokedTokens1763900000001 implements MigrationInterface {
  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.createTable(
      new Table({
        name: 'revoked_tokens',
        columns: [{ ...varcharColumn('jti', 36), isPrimary: true }, dateTimeColumn(queryRunner, 'expires_at')],
      }),
    );
    await queryRunner.createIndex(
      'revoked_tokens',
      new TableIndex({ name: 'idx_revoked_tokens_expires', columnNames: ['expires_at'] }),
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.dropTable('revoked_tokens');
  }
}
