/** Deps for running commands in-process in tests: a temp SFT_HOME and in-memory output. */
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Readable } from 'node:stream';
import { ApiClient } from '../../src/api/api-client';
import type { Deps } from '../../src/commands/deps';
import { Reporter } from '../../src/report/reporter';
import { StateStore } from '../../src/state/state-store';
import { MemoryStream } from './memory-stream';

export async function makeTestDeps(overrides: Partial<Deps> = {}) {
  const home = await fs.mkdtemp(path.join(os.tmpdir(), 'sft-deps-'));
  const stdout = new MemoryStream();
  const stderr = new MemoryStream();
  const deps: Deps = {
    reporter: new Reporter({ mode: 'plain', stdout, stderr }),
    state: new StateStore(home),
    api: (options) => new ApiClient(options),
    stdin: Readable.from([]),
    env: {},
    cwd: home,
    ...overrides,
  };
  return { deps, stdout, stderr, home, cleanUp: () => fs.rm(home, { recursive: true, force: true }) };
}
