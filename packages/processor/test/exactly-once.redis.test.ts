import assert from 'node:assert/strict';
import { test } from 'node:test';
import { startRedis } from '@streamerson/testkit';
import { INPUTS, MIN_CRASHES, runChain } from './chain/run.js';

test(`standalone Redis: a two-stage chain, ${INPUTS} orders, stage processes SIGKILLed and restarted: every input yields its outputs exactly once, in key order`, async (t) => {
  const server = await startRedis();
  try {
    const report = await runChain(server.url);
    t.diagnostic(JSON.stringify(report));
    assert.ok(report.crashes >= MIN_CRASHES, 'stage processes were killed during the run');
  } finally {
    await server.stop();
  }
});
