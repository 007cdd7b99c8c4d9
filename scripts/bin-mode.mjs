#!/usr/bin/env node
// Makes the compiled `streamerson` binary executable. tsc writes a new file
// without the executable bit (after `npm run clean`, or in a fresh checkout),
// and `npm rebuild` sets it only when it creates the bin's link, not when the
// link is already there.
import { chmodSync } from 'node:fs';

chmodSync(new URL('../packages/cli/dist/src/main.js', import.meta.url), 0o755);
