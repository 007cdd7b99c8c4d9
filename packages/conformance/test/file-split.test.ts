import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { engineConformance } from '../src/index.js';
import { splitEngine } from './split-engine.js';

// The whole suite with every write made by a second process and every read
// (blocking group reads included) made in this one.
engineConformance('file:// engine, writes in a second process', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'streamerson-conf-split-'));
  const url = `file://${dir}`;
  return {
    url,
    open: () => splitEngine(url),
    teardown: async () => rmSync(dir, { recursive: true, force: true }),
  };
});
