/** CRC32 and SHA-256 of a file's plaintext, computed incrementally as chunks go by. */
import { createHash, type Hash } from 'node:crypto';
import { crc32 } from 'node:zlib';

export interface FileDigests {
  /** 8 lowercase hex digits. */
  crc32: string;
  /** 64 lowercase hex digits. */
  sha256: string;
}

export class FileHasher {
  constructor(
    private crc = 0,
    private readonly sha: Hash = createHash('sha256'),
  ) {}

  /** A hasher that goes on from where this one stands (this one stays usable). */
  copy(): FileHasher {
    return new FileHasher(this.crc, this.sha.copy());
  }

  update(data: Buffer): void {
    this.crc = crc32(data, this.crc);
    this.sha.update(data);
  }

  digest(): FileDigests {
    return { crc32: this.crc.toString(16).padStart(8, '0'), sha256: this.sha.digest('hex') };
  }
}
