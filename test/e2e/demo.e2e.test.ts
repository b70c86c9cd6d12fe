/** `sft demo`: the whole flow on embedded defaults, as a real process. */
import { promises as fs } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { makeTempDir, runSft } from '../support/sft-process';

describe('sft demo', () => {
  it('moves a sample file between two local users and exits 0', async () => {
    const home = await makeTempDir('sft-e2e-demo-');
    const tmp = await makeTempDir('sft-e2e-demo-tmp-');
    const result = await runSft(['demo'], { home, env: { TMPDIR: tmp } });
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toMatch(/Demo OK/);
    expect(result.stderr).toMatch(/byte-for-byte identical/);
    expect(result.stderr).toMatch(/is completed/);
    expect(await fs.readdir(tmp)).toEqual([]); // the demo cleaned up after itself
    await fs.rm(tmp, { recursive: true, force: true });
    await fs.rm(home, { recursive: true, force: true });
  });
});
