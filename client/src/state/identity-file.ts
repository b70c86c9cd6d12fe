/** identity.json (mode 0600): the user's Ed25519 identity key (and X25519 delivery key) per server and username. */
import * as path from 'node:path';
import { readJsonFile, writeJsonFile } from './atomic-file';
import { serverKey } from './home';

export interface StoredIdentity {
  /** PKCS#8 PEM of the Ed25519 private key. Secret: never printed. */
  privateKeyPem: string;
  /** Base64 of the raw 32-byte public key, as the server stores it. */
  publicKey: string;
  /** Lowercase hex SHA-256 of the raw public key. */
  fingerprint: string;
  createdAt: string;
  /** The X25519 delivery key stored deliveries to this user are encrypted to (issue 13); absent in older homes. */
  delivery?: StoredDeliveryKey;
}

export interface StoredDeliveryKey {
  /** PKCS#8 PEM of the X25519 private key. Secret: never printed. */
  privateKeyPem: string;
  /** Base64 of the raw 32-byte public key, as published. */
  publicKey: string;
  /** Lowercase hex SHA-256 of the raw public key. */
  fingerprint: string;
  createdAt: string;
}

type IdentityShape = Record<string, Record<string, StoredIdentity>>;

export class IdentityFile {
  private readonly file: string;

  constructor(home: string) {
    this.file = path.join(home, 'identity.json');
  }

  async get(serverUrl: string, username: string): Promise<StoredIdentity | undefined> {
    const all = await readJsonFile<IdentityShape>(this.file, {});
    return all[serverKey(serverUrl)]?.[username.toLowerCase()];
  }

  async set(serverUrl: string, username: string, identity: StoredIdentity): Promise<void> {
    const all = await readJsonFile<IdentityShape>(this.file, {});
    const key = serverKey(serverUrl);
    all[key] = { ...all[key], [username.toLowerCase()]: identity };
    await writeJsonFile(this.file, all);
  }
}
