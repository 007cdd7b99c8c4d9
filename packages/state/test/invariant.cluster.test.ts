import assert from 'node:assert/strict';
import { test } from 'node:test';
import { startRedisCluster } from '@streamerson/testkit';
import { ACCOUNTS, CLIENTS, runAcrossProcesses } from './invariant/run.js';

test(`Redis Cluster: ${ACCOUNTS} accounts, transfers from ${CLIENTS} client processes while writer processes are SIGKILLed: money conserved, each transfer applied once, states are the fold of their changelogs, readers converge`, async (t) => {
  const cluster = await startRedisCluster();
  try {
    const report = await runAcrossProcesses(cluster.url);
    t.diagnostic(JSON.stringify(report));
    assert.ok(report.crashes >= 1, 'writers were killed during the load');
  } finally {
    await cluster.stop();
  }
});
