// The bench's own unit tests (pure logic: statistics, tables, targets, arguments): `npx vitest run --config bench/vitest.config.mjs`.
// The harness as a whole is exercised by `npm run bench -- --quick`, which CI runs.
import { fileURLToPath, URL } from 'node:url';
import { defineConfig } from 'vitest/config';

export default defineConfig({
  root: fileURLToPath(new URL('..', import.meta.url)),
  test: { include: ['bench/test/**/*.test.ts'], pool: 'forks' },
});
