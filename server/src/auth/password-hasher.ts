import { createHash } from 'node:crypto';
import * as bcrypt from 'bcrypt';

/**
 * bcrypt over base64(SHA-256(password)): bcrypt reads only 72 bytes, so the pre-hash makes every
 * byte of a long password count. The digest is base64 (44 ASCII bytes, no NUL) as bcrypt expects.
 */
export class PasswordHasher {
  /** A hash to compare against when the user does not exist, so the answer takes as long either way. */
  private readonly dummyHash: Promise<string>;

  constructor(private readonly cost: number) {
    // Made once, up front, so even the first unknown-user login costs exactly one bcrypt comparison.
    this.dummyHash = bcrypt.hash(preHash('sft: no such user'), cost);
  }

  hash(password: string): Promise<string> {
    return bcrypt.hash(preHash(password), this.cost);
  }

  /** Compares `password` with `hash`, or with a dummy hash of the same cost when `hash` is null (and answers false). */
  async verify(password: string, hash: string | null): Promise<boolean> {
    if (hash === null) {
      await bcrypt.compare(preHash(password), await this.dummyHash);
      return false;
    }
    return bcrypt.compare(preHash(password), hash);
  }
}

function preHash(password: string): string {
  return createHash('sha256').update(password, 'utf8').digest('base64');
}
