/**
 * A client process of the invariant test: runs transfers (see
 * `transfers.ts`) and prints `{"event":"done", …}` with its outcome. Exits
 * when its stdin closes, so that it never outlives the test.
 */
import { connect } from '@streamerson/core';
import { bankMachine } from '../bank.js';
import { runTransfers, type TransferLoad } from './transfers.js';

const config = JSON.parse(process.argv[2]!) as TransferLoad & { url: string; machine: string; shards: number };
process.stdin.on('end', () => process.exit(0));
process.stdin.resume();
const engine = await connect(config.url);
console.log(JSON.stringify({ event: 'ready' }));
const outcome = await runTransfers(engine, bankMachine(config.machine, config.shards), config);
console.log(JSON.stringify({ event: 'done', ...outcome }));
await engine.close();
process.exit(0);
