/**
 * Where things are. The bench runs compiled (dist/bench/lib/paths.js); its tests run from source
 * (bench/lib/paths.ts) and then use the compiled child scripts, so `npm run build` comes first.
 */
import { join, resolve } from 'node:path';

const fromSource = __filename.endsWith('.ts');

/** The repository root (holds bin/sft.js and bench/results/). */
export const REPO_ROOT = resolve(__dirname, ...(fromSource ? ['..', '..'] : ['..', '..', '..']));
const COMPILED_BENCH = join(REPO_ROOT, 'dist', 'bench');

export const SFT_BIN = join(REPO_ROOT, 'bin', 'sft.js');
export const RESULTS_DIR = join(REPO_ROOT, 'bench', 'results');
export const RSS_PROBE = join(COMPILED_BENCH, 'lib', 'rss-probe.js');
export const RAW_TLS_RECEIVER = join(COMPILED_BENCH, 'raw-tls', 'receiver.js');
export const RAW_TLS_SENDER = join(COMPILED_BENCH, 'raw-tls', 'sender.js');
export const SERVER_CHILD = join(COMPILED_BENCH, 'server-load', 'server-child.js');
