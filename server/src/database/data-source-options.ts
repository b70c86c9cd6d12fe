/**
 * The one TypeORM DataSource definition. The server builds its connection from `dataSourceOptions()`
 * (app.module.ts); the TypeORM CLI entry `db/data-source.ts` builds its DataSource from the same options.
 * Nothing here reads the environment or makes a DataSource: importing this file has no side effects.
 */
import type { DataSourceOptions } from 'typeorm';
import { RevokedToken } from '../auth/revoked-token.entity';
import { Delivery } from '../deliveries/delivery.entity';
import type { DatabaseConfig } from '../config/app-config';
import { Session } from '../sessions/session.entity';
import { User } from '../users/user.entity';
import { CreateUsers1763900000000 } from './migrations/1763900000000-CreateUsers';
import { CreateRevokedTokens1763900000001 } from './migrations/1763900000001-CreateRevokedTokens';
import { CreateSessions1763900000002 } from './migrations/1763900000002-CreateSessions';
import { WidenSessionFileLists1763900000003 } from './migrations/1763900000003-WidenSessionFileLists';
import { AddDeliveryKeys1763900000004 } from './migrations/1763900000004-AddDeliveryKeys';
import { CreateDeliveries1763900000005 } from './migrations/1763900000005-CreateDeliveries';
import { SessionPaths1763900001200 } from './migrations/1763900001200-SessionPaths';
import { SessionAttempts1763900001400 } from './migrations/1763900001400-SessionAttempts';

export const ENTITIES = [User, RevokedToken, Session, Delivery];
export const MIGRATIONS = [
  CreateUsers1763900000000,
  CreateRevokedTokens1763900000001,
  CreateSessions1763900000002,
  WidenSessionFileLists1763900000003,
  AddDeliveryKeys1763900000004,
  CreateDeliveries1763900000005,
  SessionPaths1763900001200,
  SessionAttempts1763900001400,
];

/** Connection options for SQLite (better-sqlite3) or MySQL/MariaDB (mysql2). Never `synchronize`. */
export function dataSourceOptions(database: DatabaseConfig): DataSourceOptions {
  const common = {
    entities: ENTITIES,
    migrations: MIGRATIONS,
    migrationsRun: true,
    migrationsTransactionMode: 'each' as const,
    synchronize: false,
    logging: false,
  };
  if (database.type === 'sqlite') {
    return {
      ...common,
      type: 'better-sqlite3',
      database: database.path,
      // WAL lets the long-poll readers and the writers work side by side; foreign keys are off by default in SQLite.
      prepareDatabase: (db: { pragma(statement: string): unknown }) => {
        db.pragma('journal_mode = WAL');
        db.pragma('synchronous = NORMAL'); // WAL: survives a crash of the process; a power cut may lose the last commits, never corrupts
        db.pragma('busy_timeout = 5000');
        db.pragma('foreign_keys = ON');
      },
    };
  }
  return {
    ...common,
    type: 'mysql',
    url: database.url,
    timezone: 'Z',
    charset: 'utf8mb4_unicode_ci',
    connectTimeout: 5000,
    extra: { connectionLimit: 10 },
  };
}

