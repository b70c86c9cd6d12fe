/**
 * Compiles TypeScript for vitest with the TypeScript compiler itself, so that
 * decorator metadata (`emitDecoratorMetadata`), which NestJS's dependency
 * injection needs, survives. Vite's default transform (esbuild) drops it.
 *
 * (The usual answer is unplugin-swc, but @swc/core's platform packages cannot all be
 * resolved from our package registry, which breaks `npm ci` on the lock file.)
 */
import ts from 'typescript';
import type { Plugin } from 'vite';

export function typescriptWithDecoratorMetadata(): Plugin {
  return {
    name: 'sft:typescript-decorator-metadata',
    enforce: 'pre',
    config: () => ({ esbuild: false }),
    transform(code, id) {
      const file = id.split('?')[0];
      if (!/\.(m|c)?ts$/.test(file) || file.endsWith('.d.ts') || file.includes('/node_modules/')) return null;
      const output = ts.transpileModule(code, {
        fileName: file,
        compilerOptions: {
          target: ts.ScriptTarget.ES2022,
          module: ts.ModuleKind.ESNext,
          experimentalDecorators: true,
          emitDecoratorMetadata: true,
          useDefineForClassFields: false,
          esModuleInterop: true,
          sourceMap: true,
          inlineSources: true,
        },
      });
      return { code: output.outputText, map: output.sourceMapText ? JSON.parse(output.sourceMapText) : null };
    },
  };
}
