import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { engineConformance } from '../src/index.js';

engineConformance('file:// engine', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'streamerson-conf-'));
  return {
    url: `file://${dir}`,
    teardown: async () => rmSync(dir, { recursive: true, force: true }),
  };
});
