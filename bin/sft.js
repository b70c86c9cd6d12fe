#!/usr/bin/env node
'use strict';
// The `sft` command: runs the compiled CLI (built by `npm run build`, which `npm ci` runs via `prepare`).
const path = require('node:path');
const fs = require('node:fs');

const entry = path.join(__dirname, '..', 'dist', 'client', 'src', 'main.js');
if (!fs.existsSync(entry)) {
  process.stderr.write('sft: the CLI is not built yet.\nRun `npm run build` (or `npm ci`) in the sft checkout first.\n');
  process.exit(1);
}
// V8 settings first (client/src/v8-flags.ts); a build older than that file just runs without them.
const v8Flags = path.join(__dirname, '..', 'dist', 'client', 'src', 'v8-flags.js');
if (fs.existsSync(v8Flags)) require(v8Flags);
require(entry);
