/**
 * Starts the sft key-distribution and session server (HTTPS, NestJS). Used by `sft server`,
 * `sft demo` and the tests; nothing here reads argv or exits the process.
 */
import 'reflect-metadata';
import { chmodSync, closeSync, existsSync, mkdirSync, openSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import type { Server as HttpsServer } from 'node:https';
import { dirname } from 'node:path';
import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import { json } from 'express';
import { AppModule } from './app.module';
import { rejectDeepJson } from './common/json-depth';
import { BODY_LIMIT, SESSION_BODY_LIMIT, SESSION_BODY_ROUTES } from './common/body-limits';
import { redactUrl } from './common/redact-url';
import { requestLogger } from './common/request-logger';
import { AppConfig } from './config/app-config';
import { AppSecrets } from './config/app-secrets';
import { connectionLimits, httpsServerTimeouts } from './config/connection-limits';
import type { ServerOptions } from './config/server-options';
import { RelaySettings } from './relay/relay-settings';
import { loadTlsMaterial } from './tls/tls-material';
import { relayLimits } from '../../relay/src/relay-limits';
import { startRelay, type RunningRelay } from '../../relay/src/relay-server';
import { publicKeyFromBase64 } from '../../relay/src/ticket';

export type { ServerOptions } from './config/server-options';
export { ConfigError } from './config/config-error';

export interface RunningServer {
  /** e.g. https://127.0.0.1:40123 (with the real port). */
  url: string;
  port: number;
  /** Path of the generated CA certificate (PEM), or null when SFT_TLS_CERT is used. */
  caCertPath: string | null;
  /** Lowercase hex SHA-256 of the generated CA certificate, or null. */
  caFingerprint: string | null;
  /** The relay tickets name (`tls://host:port`): the one started here, or SFT_RELAY_URL; null = no relay. */
  relayUrl: string | null;
  /** The relay started beside the server (options.relayPort), or null. */
  relay: RunningRelay | null;
  close(): Promise<void>;
}

/** Validates the configuration, prepares secrets, TLS and the database (migrations), and listens. */
export async function startServer(options: ServerOptions = {}): Promise<RunningServer> {
  const config = AppConfig.load(options);
  const limits = connectionLimits(options.connectionLimits);
  mkdirSync(config.dataDir, { recursive: true, mode: 0o700 });
  const secrets = AppSecrets.load(config);
  const tls = await loadTlsMaterial(config);
  const relaySettings = RelaySettings.load(config);
  if (config.database.type === 'sqlite' && config.database.path !== ':memory:') {
    mkdirSync(dirname(config.database.path), { recursive: true, mode: 0o700 });
    keepDatabaseFilesPrivate(config.database.path);
  }

  const relay = config.relayPort === null ? null : await startRelay({
    port: config.relayPort,
    host: config.host,
    url: relaySettings.url ?? undefined,
    publicKey: publicKeyFromBase64(relaySettings.publicKeyBase64, 'relay public key'),
    tls,
    limits: relayLimits(config.env),
    quiet: config.quiet,
  });
  const relayUrl = relaySettings.url ?? relay?.url ?? null;

  let app: NestExpressApplication;
  try {
    app = await NestFactory.create<NestExpressApplication>(AppModule.forRoot(config, secrets, relaySettings.withUrl(relayUrl)), {
      httpsOptions: { key: tls.keyPem, cert: tls.certPem, ...httpsServerTimeouts(limits) },
      bodyParser: false,
      abortOnError: false,
      logger: config.quiet ? false : ['error', 'warn'],
    });
  } catch (error) {
    await relay?.close();
    throw new Error(`Cannot start the server: ${describeStartError(error, config)}`);
  }
  app.disable('x-powered-by');
  // No ETag: nothing here is cached or asked for conditionally, and hashing every response body cost CPU on each request.
  app.set('etag', false);
  if (!config.quiet) app.use(requestLogger());
  // The first parser that reads a body marks it parsed; the second then skips it.
  // Both refuse bodies nested too deep before parsing them (common/json-depth.ts).
  app.use(SESSION_BODY_ROUTES, json({ limit: SESSION_BODY_LIMIT, verify: rejectDeepJson }));
  app.use(json({ limit: BODY_LIMIT, verify: rejectDeepJson }));
  setUpOpenApi(app);

  // Node reads keepAliveTimeout from the constructor options only in newer versions.
  (app.getHttpServer() as HttpsServer).keepAliveTimeout = limits.keepAliveTimeoutMs;
  try {
    await app.listen(config.port, config.host);
  } catch (error) {
    await relay?.close();
    throw error;
  }
  const address = app.getHttpServer().address() as AddressInfo;
  const urlHost = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  const shownHost = urlHost === '0.0.0.0' || urlHost === '[::]' ? 'localhost' : urlHost;
  return {
    url: `https://${shownHost}:${address.port}`,
    port: address.port,
    caCertPath: tls.caCertPath,
    caFingerprint: tls.caFingerprint,
    relayUrl,
    relay,
    close: async () => {
      try {
        await app.close();
      } finally {
        await relay?.close();
      }
    },
  };
}

/**
 * The SQLite database holds password hashes: only the server's user may read it. The file is made
 * 0600 before SQLite opens it (SQLite creates its -wal and -shm files with the database file's mode),
 * and files left by an older start are tightened too.
 */
function keepDatabaseFilesPrivate(databasePath: string): void {
  closeSync(openSync(databasePath, 'a', 0o600));
  for (const file of [databasePath, `${databasePath}-wal`, `${databasePath}-shm`]) {
    if (existsSync(file)) chmodSync(file, 0o600);
  }
}

function setUpOpenApi(app: NestExpressApplication): void {
  const document = SwaggerModule.createDocument(
    app,
    new DocumentBuilder()
      .setTitle('sft server')
      .setDescription('Key distribution and transfer sessions for sft. See docs/api.md.')
      .setVersion('1')
      .addBearerAuth()
      .build(),
  );
  SwaggerModule.setup('docs', app, document, { jsonDocumentUrl: 'docs-json' });
}

/** One line, without the database password. */
function describeStartError(error: unknown, config: AppConfig): string {
  const message = error instanceof Error ? error.message : String(error);
  const where = config.database.type === 'sqlite' ? config.database.path : redactUrl(config.database.url);
  return `${message.split('\n')[0]} (database: ${where})`;
}
