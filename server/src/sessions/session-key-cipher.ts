import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { AppSecrets } from '../config/app-secrets';

const IV_BYTES = 12;
const TAG_BYTES = 16;
/** Binds each ciphertext to its session, so a row's key cannot be pasted into another row. */
const aad = (sessionId: string) => Buffer.from(`sft-session-key:${sessionId}`, 'utf8');

/** Encrypts session keys at rest with AES-256-GCM under the master key. */
@Injectable()
export class SessionKeyCipher {
  constructor(@Inject(AppSecrets) private readonly secrets: AppSecrets) {}

  /** A fresh 32-byte session key from the CSPRNG. */
  newKey(): Buffer {
    return randomBytes(32);
  }

  /** base64(iv | tag | ciphertext). */
  encrypt(sessionId: string, key: Buffer): string {
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv('aes-256-gcm', this.secrets.masterKey, iv);
    cipher.setAAD(aad(sessionId));
    const ciphertext = Buffer.concat([cipher.update(key), cipher.final()]);
    return Buffer.concat([iv, cipher.getAuthTag(), ciphertext]).toString('base64');
  }

  decrypt(sessionId: string, stored: string): Buffer {
    const data = Buffer.from(stored, 'base64');
    const decipher = createDecipheriv('aes-256-gcm', this.secrets.masterKey, data.subarray(0, IV_BYTES));
    decipher.setAAD(aad(sessionId));
    decipher.setAuthTag(data.subarray(IV_BYTES, IV_BYTES + TAG_BYTES));
    return Buffer.concat([decipher.update(data.subarray(IV_BYTES + TAG_BYTES)), decipher.final()]);
  }
}
