/**
 * known_peers.json: the signing keys of peers we have met, pinned per server and local user
 * (trust on first use). A later change of a peer's key is refused, not silently accepted.
 */
import * as path from 'node:path';
import { readJsonFile, writeJsonFile } from './atomic-file';
import { serverKey } from './home';

export interface PinnedPeer {
  /** Base64 of the raw 32-byte Ed25519 public key. */
  publicKey: string;
  /** Lowercase hex SHA-256 of the raw key. */
  fingerprint: string;
  firstSeen: string;
  /** The peer's X25519 delivery key, pinned the first time we sent them a stored delivery (issue 13). */
  deliveryKey?: PinnedKey;
}

/** A pinned delivery key: base64 of the raw key, its fingerprint, when first seen. */
export interface PinnedKey {
  publicKey: string;
  fingerprint: string;
  firstSeen: string;
}

type KnownPeersShape = Record<string, Record<string, Record<string, PinnedPeer>>>;

export class KnownPeersFile {
  private readonly file: string;

  constructor(home: string) {
    this.file = path.join(home, 'known_peers.json');
  }

  async get(serverUrl: string, me: string, peer: string): Promise<PinnedPeer | undefined> {
    const all = await readJsonFile<KnownPeersShape>(this.file, {});
    return all[serverKey(serverUrl)]?.[me.toLowerCase()]?.[peer.toLowerCase()];
  }

  async set(serverUrl: string, me: string, peer: string, pin: PinnedPeer): Promise<void> {
    const all = await readJsonFile<KnownPeersShape>(this.file, {});
    const server = (all[serverKey(serverUrl)] ??= {});
    const mine = (server[me.toLowerCase()] ??= {});
    mine[peer.toLowerCase()] = pin;
    await writeJsonFile(this.file, all);
  }
}
