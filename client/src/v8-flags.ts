/**
 * V8 settings for every `sft` process, applied by bin/sft.js before the CLI loads (and by the bench's
 * server process, so it measures what `sft server` runs). Import nothing here: it must run first.
 *
 * V8 sweeps freed memory and collects the young generation on helper threads. For sft that costs more
 * than it saves: a transfer streams ~1 MiB chunk buffers (kept outside the JS heap) and little else, and
 * on a small machine the helpers compete with the other side and the kernel for the same cores.
 * Measured on a 2-core VM in interleaved 1 GiB rounds: 208 → 248 MiB/s median, sender 3.50 → 2.80 and
 * receiver 4.30 → 3.85 CPU-s per GiB, peak RSS unchanged; `sft server` under the session load the same
 * or slightly faster (README → Performance).
 *
 * Both flags are read at each collection, so setting them at start is safe. --single-threaded-gc (the
 * same and more) is fixed once the heap exists: set from here it crashes V8, so it is not used.
 */
import { setFlagsFromString } from 'node:v8';

const SFT_V8_FLAGS = '--no-concurrent-sweeping --no-parallel-scavenge';

setFlagsFromString(SFT_V8_FLAGS);
