import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect } from '@streamerson/core';
import { crashRecovery } from './crash.js';

// The workers, the clients and the test share one file:// directory, each process through its own engine.
crashRecovery('file://', 1, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'streamerson-crash-'));
  const url = `file://${dir}`;
  const engine = await connect(url);
  return {
    url,
    engine,
    teardown: async () => {
      await engine.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
});
