import { TableColumn, type MigrationInterface, type QueryRunner } from 'typeorm';

/**
 * Issue 12: how a session's peers may meet and how they did. `host_relay` is the host's `--relay`
 * (auto, never, only: the joiner reads it to know whether the host waits at the relay and whether a
 * direct endpoint exists); `candidates` more addresses the host may be dialled at (JSON, besides
 * `endpoint_host:endpoint_port`); `path` is the path the transfer took (direct or relay), from the reports.
 */
export class SessionPaths1763900001200 implements MigrationInterface {
  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.addColumn('sessions', new TableColumn({ name: 'host_relay', type: 'varchar', length: '8', default: "'auto'" }));
    await queryRunner.addColumn('sessions', new TableColumn({ name: 'path', type: 'varchar', length: '8', isNullable: true }));
    await queryRunner.addColumn('sessions', new TableColumn({ name: 'candidates', type: 'text', isNullable: true }));
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.dropColumn('sessions', 'candidates');
    await queryRunner.dropColumn('sessions', 'path');
    await queryRunner.dropColumn('sessions', 'host_relay');
  }
}
