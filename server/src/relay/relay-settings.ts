import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { KeyObject } from 'node:crypto';
import { parseRelayUrl } from '../../../relay/src/opening-line';
import { privateKeyFromSeed, publicKeyToBase64 } from '../../../relay/src/ticket';
import type { AppConfig } from '../config/app-config';
import { readOrCreateSecretFile } from '../config/secret-file';

/** Seconds a relay ticket may wait before its opening line (SFT_RELAY_TICKET_TTL). */
const DEFAULT_TICKET_TTL_SECONDS = 60;
/** Most bytes one relayed session may move, announced or not (SFT_RELAY_BYTE_LIMIT). */
const DEFAULT_BYTE_LIMIT = 256 * 1024 ** 3;
/** Name of the signing key's seed and of its public half in the data dir. */
export const RELAY_KEY_FILE = 'relay-ticket.key';
export const RELAY_PUBLIC_KEY_FILE = 'relay-ticket.pub';

/**
 * What the server needs to hand out relay tickets: where the relay is, the Ed25519 key tickets are
 * signed with (the relay holds only its public half), how long a ticket lives and the byte limit.
 */
export class RelaySettings {
  private constructor(
    /** `tls://host:port` tickets name, or null when no relay is configured (tickets are then refused). */
    readonly url: string | null,
    readonly signingKey: KeyObject,
    /** Base64 of the raw 32-byte public key: what a relay elsewhere is given as SFT_RELAY_PUBLIC_KEY. */
    readonly publicKeyBase64: string,
    readonly ticketTtlSeconds: number,
    readonly byteLimit: number,
  ) {
    Object.freeze(this);
  }

  /**
   * The signing key from SFT_RELAY_SIGNING_KEY (base64 of a 32-byte Ed25519 seed), else from
   * `<dataDir>/relay-ticket.key` (made on first start, 0600); its public half is written to
   * `<dataDir>/relay-ticket.pub` for a relay that runs elsewhere.
   */
  static load(config: AppConfig): RelaySettings {
    const env = config.env;
    const rawSeed = env.SFT_RELAY_SIGNING_KEY;
    let seed: Buffer;
    if (rawSeed === undefined || rawSeed === '') {
      seed = readOrCreateSecretFile(join(config.dataDir, RELAY_KEY_FILE), 32);
    } else {
      seed = Buffer.from(rawSeed, 'base64');
      if (seed.length !== 32 || seed.toString('base64') !== rawSeed.trim()) {
        throw new Error('Invalid configuration: SFT_RELAY_SIGNING_KEY must be base64 of exactly 32 random bytes.');
      }
    }
    const signingKey = privateKeyFromSeed(seed);
    const publicKeyBase64 = publicKeyToBase64(signingKey);
    writeFileSync(join(config.dataDir, RELAY_PUBLIC_KEY_FILE), `${publicKeyBase64}\n`, { mode: 0o644 });
    const configuredUrl = env.SFT_RELAY_URL ? parseRelayUrl(env.SFT_RELAY_URL).url : null;
    return new RelaySettings(
      configuredUrl,
      signingKey,
      publicKeyBase64,
      readInteger(env, 'SFT_RELAY_TICKET_TTL', DEFAULT_TICKET_TTL_SECONDS, 1, 3600),
      readInteger(env, 'SFT_RELAY_BYTE_LIMIT', DEFAULT_BYTE_LIMIT, 1, Number.MAX_SAFE_INTEGER),
    );
  }

  /** The same settings with the relay's address (e.g. the relay `sft server` started itself). */
  withUrl(url: string | null): RelaySettings {
    return new RelaySettings(url, this.signingKey, this.publicKeyBase64, this.ticketTtlSeconds, this.byteLimit);
  }
}

function readInteger(env: NodeJS.ProcessEnv, name: string, fallback: number, min: number, max: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isSafeInteger(value) || value < min || value > max) {
    throw new Error(`Invalid configuration: ${name} must be a whole number from ${min} to ${max}, got "${raw}".`);
  }
  return value;
}
