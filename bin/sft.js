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
require(entry);
