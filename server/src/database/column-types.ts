import type { QueryRunner, TableColumnOptions } from 'typeorm';

/**
 * Column definitions that mean the same on SQLite and MySQL/MariaDB, for migrations.
 * Datetimes keep milliseconds (MySQL needs `precision: 3` for that; SQLite stores text anyway).
 */
export function dateTimeColumn(queryRunner: QueryRunner, name: string, nullable = false): TableColumnOptions {
  const isMysql = queryRunner.connection.options.type === 'mysql';
  return { name, type: 'datetime', isNullable: nullable, ...(isMysql ? { precision: 3 } : {}) };
}

export function varcharColumn(name: string, length: number, nullable = false): TableColumnOptions {
  return { name, type: 'varchar', length: String(length), isNullable: nullable };
}
