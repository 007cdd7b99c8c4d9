/**
 * Opens `--accounts` accounts with 1,000 each and makes `--transfers` random
 * transfers between them (in rounds of 50 at once, across shards; some are
 * rejected for insufficient funds), on the engine of STREAMERSON_URL (default
 * memory://), with one writer in this process. Then audits: every credit
 * applied, and money conserved.
 *
 *   node dist/src/main.js [--accounts 100] [--transfers 1000] [--seed 1]
 */
import { parseArgs } from 'node:util';
import { connect, InvalidOptionError } from '@streamerson/core';
import { CommandError, MachineClient, StateWriter } from '@streamerson/state';
import { settled } from './audit.js';
import { bank } from './bank.js';

export const OPENING_BALANCE = 1_000;
const ROUND = 50;

function intArg(name: string, value: string | undefined, min: number): number {
  const n = Number(value);
  if (!Number.isSafeInteger(n) || n < min) throw new InvalidOptionError(name, `expected an integer >= ${min}, got ${JSON.stringify(value)}`);
  return n;
}

/** mulberry32: the same transfers for the same seed. */
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const { values } = parseArgs({
  options: { accounts: { type: 'string', default: '100' }, transfers: { type: 'string', default: '1000' }, seed: { type: 'string', default: '1' } },
});
const accounts = intArg('--accounts', values.accounts, 2);
const transfers = intArg('--transfers', values.transfers, 0);
const next = random(intArg('--seed', values.seed, 0));

const engine = await connect(process.env['STREAMERSON_URL'] ?? 'memory://');
console.log(`bank on ${engine.url}: ${accounts} accounts, ${transfers} transfers`);
const writer = new StateWriter(engine, bank);
writer.on('problem', (shard, entryId, error) => console.error(`writer, shard ${shard}, entry ${entryId}: ${error.message}`));
await writer.start();
const client = new MachineClient(engine, bank);
const names = Array.from({ length: accounts }, (_, i) => `acct-${i}`);
for (let i = 0; i < names.length; i += ROUND) {
  await Promise.all(
    names.slice(i, i + ROUND).map((name) =>
      client.send(name, 'open', { balance: OPENING_BALANCE }).catch((e: unknown) => {
        if (!(e instanceof CommandError && e.errorCode === 'ALREADY_OPEN')) throw e;
      }),
    ),
  );
}
let applied = 0;
const rejected = new Map<string, number>();
for (let i = 0; i < transfers; i += ROUND) {
  await Promise.all(
    Array.from({ length: Math.min(ROUND, transfers - i) }, async () => {
      const source = Math.floor(next() * accounts);
      const from = names[source]!;
      const to = names[(source + 1 + Math.floor(next() * (accounts - 1))) % accounts]!;
      const amount = 1 + Math.floor(next() * 400);
      try {
        await client.send(from, 'transfer', { to, amount });
        applied++;
      } catch (e) {
        if (!(e instanceof CommandError && e.code === 'ERR_STREAMERSON_REJECTED')) throw e;
        rejected.set(e.errorCode, (rejected.get(e.errorCode) ?? 0) + 1);
      }
    }),
  );
}
console.log(`transfers applied ${applied}, rejected ${[...rejected].map(([why, n]) => `${n} ${why}`).join(', ') || 0}`);
const { audit, problem } = await settled(engine, 30_000);
console.log(`${audit.accounts} accounts, total ${audit.total}, opened with ${audit.opened}, in transit ${audit.inTransit}`);
console.log(problem === undefined ? 'money conserved' : `money created or lost: ${problem}`);
if (problem !== undefined) process.exitCode = 1;
await client.close();
await writer.drain();
await engine.close();
