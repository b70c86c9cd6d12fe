import { TableColumn, type MigrationInterface, type QueryRunner } from 'typeorm';
import { varcharColumn } from '../column-types';

/**
 * Delivery keys (issue 13): each account publishes an X25519 public key, signed by its Ed25519 identity key,
 * that senders of stored deliveries encrypt to. Both columns are NULL until the client uploads one.
 */
export class AddDeliveryKeys1763900000004 implements MigrationInterface {
  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.addColumns('users', [
      new TableColumn(varcharColumn('delivery_key', 44, true)),
      new TableColumn(varcharColumn('delivery_key_signature', 88, true)),
    ]);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.dropColumn('users', 'delivery_key_signature');
    await queryRunner.dropColumn('users', 'delivery_key');
  }
}
