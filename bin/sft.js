#!/usr/bin/env node
'use strict';
// The `sft` command: runs the compiled CLI (built by `npm run build`, which `npm ci` runs via `prepare`).
// V8's background GC helpers: sweeping and young-generation collection on other threads. For a transfer
// they cost more than they save: the process streams ~1 MiB chunk buffers (kept outside the JS heap), and
// on a small machine the helper threads compete with the other side and the kernel for the same cores.
// Measured on a 2-core VM, interleaved 1 GiB rounds, both sides: about +13% MiB/s and -15% CPU per GiB
// (README → Performance). Set before anything else is loaded: these two flags are read at each
// collection, unlike --single-threaded-gc, which is fixed once the heap exists and must not be set here.
require('node:v8').setFlagsFromString('--no-concurrent-sweeping --no-parallel-scavenge');
const path = require('node:path');
const fs = require('node:fs');

const entry = path.join(__dirname, '..', 'dist', 'client', 'src', 'main.js');
if (!fs.existsSync(entry)) {
  process.stderr.write('sft: the CLI is not built yet.\nRun `npm run build` (or `npm ci`) in the sft checkout first.\n');
  process.exit(1);
}
require(entry);
