import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect } from '@streamerson/core';
import { backlogFlows } from './backlog.js';

backlogFlows('file://', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'streamerson-backlog-'));
  const engine = await connect(`file://${dir}`);
  return {
    engine,
    teardown: async () => {
      await engine.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
});
