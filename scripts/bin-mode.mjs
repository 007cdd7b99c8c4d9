#!/usr/bin/env node
// Makes the compiled `streamerson` binary executable: tsc writes files without
// the executable bit, and npm links workspace bins at install time, before the
// build exists, so `npx streamerson` needs the bit set after each build.
import { chmodSync } from 'node:fs';

chmodSync(new URL('../packages/cli/dist/src/main.js', import.meta.url), 0o755);
