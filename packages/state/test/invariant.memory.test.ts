import assert from 'node:assert/strict';
import { test } from 'node:test';
import { uniqueName } from '@streamerson/testkit';
import { ACCOUNTS, CLIENTS, runInProcess } from './invariant/run.js';

test(`memory://: ${ACCOUNTS} accounts, transfers from ${CLIENTS} clients while writers crash: money conserved, each transfer applied once, states are the fold of their changelogs, readers converge`, async (t) => {
  const report = await runInProcess(`memory://${uniqueName('invariant')}`);
  t.diagnostic(JSON.stringify(report));
  assert.ok(report.crashes >= 1, 'writers crashed during the load');
});
