import assert from 'node:assert/strict';
import { test } from 'node:test';
import { startRedisCluster } from '@streamerson/testkit';
import { INPUTS, MIN_CRASHES, runChain } from './chain/run.js';

test(`Redis Cluster: a two-stage chain, ${INPUTS} orders, stage processes SIGKILLed and restarted: every input yields its outputs exactly once (idempotent outputs), in key order`, async (t) => {
  const cluster = await startRedisCluster();
  try {
    const report = await runChain(cluster.url);
    t.diagnostic(JSON.stringify(report));
    assert.ok(report.crashes >= MIN_CRASHES, 'stage processes were killed during the run');
  } finally {
    await cluster.stop();
  }
});
