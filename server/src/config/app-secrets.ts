import { join } from 'node:path';
import type { AppConfig } from './app-config';
import { readOrCreateSecretFile } from './secret-file';
import { ConfigError } from './config-error';

/** Secrets the server needs: never logged, never returned. */
export class AppSecrets {
  private constructor(
    /** HMAC key for JWTs. */
    readonly jwtSecret: Buffer,
    /** AES-256 key that encrypts session keys at rest. */
    readonly masterKey: Buffer,
  ) {
    Object.freeze(this);
  }

  /** From SFT_JWT_SECRET / SFT_MASTER_KEY (base64 of 32 bytes), else from files made in the data dir. */
  static load(config: AppConfig): AppSecrets {
    return new AppSecrets(
      fromEnvOrFile(config, 'SFT_JWT_SECRET', 'jwt-secret'),
      fromEnvOrFile(config, 'SFT_MASTER_KEY', 'master.key'),
    );
  }
}

function fromEnvOrFile(config: AppConfig, envName: string, fileName: string): Buffer {
  const raw = config.env[envName];
  if (raw === undefined || raw === '') return readOrCreateSecretFile(join(config.dataDir, fileName), 32);
  const value = Buffer.from(raw, 'base64');
  if (value.length !== 32 || value.toString('base64') !== raw.trim()) {
    throw new ConfigError(`${envName} must be base64 of exactly 32 random bytes.`);
  }
  return value;
}
