/**
 * The check anyone can run against a bank, while it runs or after:
 *
 *   STREAMERSON_URL=redis://127.0.0.1:6379 node dist/src/check.js [--wait-ms 30000]
 *
 * Reads every account (no writer needed), waits until no credit is in transit
 * (at most --wait-ms), and exits 0 when the balances add up to what the
 * accounts were opened with, 1 otherwise, saying why.
 */
import { parseArgs } from 'node:util';
import { connect, InvalidOptionError } from '@streamerson/core';
import { settled } from './audit.js';

const { values } = parseArgs({ options: { 'wait-ms': { type: 'string', default: '30000' } } });
const waitMs = Number(values['wait-ms']);
if (!Number.isInteger(waitMs) || waitMs < 0) throw new InvalidOptionError('--wait-ms', `expected an integer >= 0, got ${JSON.stringify(values['wait-ms'])}`);

const engine = await connect(process.env['STREAMERSON_URL'] ?? 'redis://127.0.0.1:6379');
try {
  const { audit, problem } = await settled(engine, waitMs);
  console.log(`${audit.accounts} accounts, total ${audit.total}, opened with ${audit.opened}, in transit ${audit.inTransit}`);
  if (problem !== undefined) {
    console.error(`money created or lost: ${problem}`);
    process.exitCode = 1;
  } else {
    console.log('money conserved');
  }
} finally {
  await engine.close();
}
