import { defineConfig } from 'vitest/config';
import { typescriptWithDecoratorMetadata } from './vitest.typescript-plugin.mts';

// NestJS relies on decorator metadata, which esbuild drops: the TypeScript compiler transforms the sources instead.
export default defineConfig({
  plugins: [typescriptWithDecoratorMetadata()],
  test: {
    include: [
      'server/test/**/*.test.ts',
      'client/test/**/*.test.ts',
      'certs/test/**/*.test.ts',
      'bench/test/**/*.test.ts',
      'test/**/*.test.ts',
    ],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    pool: 'forks',
    reporters: ['default'],
  },
});
