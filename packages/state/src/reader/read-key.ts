/**
 * Reads of a machine's keys without following it (no `StateReader`): what
 * tools and one-off queries need. `readKey` reads one key — the changelog
 * after the snapshot's offset, newest first, then the snapshot hash — so it
 * costs what was changed since the last snapshot, not the shard's size.
 * `readShard` loads a whole shard as a reader does; `readHistory` is the
 * reader's `history` without a reader.
 */
import { requireFencing, type Engine } from '@streamerson/core';
import { decodeChange, decodeSnapshot, type Change, type Versioned } from '../codec.js';
import { shardOf, type MachineRef } from '../machine.js';
import { META_OFFSET, shardKeys } from '../names.js';
import { DEFAULT_READ_COUNT } from '../options.js';
import { history, type HistoryOptions } from './history.js';
import { loadShard } from './load.js';

const PAGE = 1_000;

/**
 * The key's newest state and version as the engine holds them, or undefined
 * for a key no command changed (or whose changes are unreadable).
 */
export async function readKey(engine: Engine, machine: MachineRef, key: string): Promise<Versioned | undefined> {
  const fenced = requireFencing(engine, `reading "${machine.name}"`);
  const keys = shardKeys(machine, shardOf(machine, key));
  // The offset first: changes after it are in the changelog (it is trimmed
  // only below an older snapshot's offset), the rest in the hash read last.
  const [offsetBytes] = await fenced.hashGet(keys.meta, [META_OFFSET]);
  const offset = offsetBytes?.toString() ?? '0-0';
  const start = offset === '0-0' ? '-' : `(${offset}`;
  let newest: Change | undefined;
  for (let end = '+'; newest === undefined; ) {
    const page = await engine.revRange(keys.changelog, end, start, PAGE);
    for (const entry of page) {
      const change = decodeChange(entry);
      if (change?.key === key) {
        newest = change;
        break;
      }
    }
    if (page.length < PAGE) break;
    end = `(${page[page.length - 1]!.id}`;
  }
  const [bytes] = await fenced.hashGet(keys.state, [key]);
  const snapshot = bytes === null || bytes === undefined ? undefined : decodeSnapshot(bytes);
  if (newest !== undefined && (snapshot === undefined || snapshot.version < newest.version)) return { version: newest.version, state: newest.state };
  return snapshot;
}

/** Every key of one shard with its state and version (the snapshot hash, then the changelog after it). */
export async function readShard(engine: Engine, machine: MachineRef, shard: number): Promise<Map<string, Versioned>> {
  const fenced = requireFencing(engine, `reading "${machine.name}"`);
  return (await loadShard(fenced, shardKeys(machine, shard), DEFAULT_READ_COUNT)).states;
}

/** The key's recent changes, oldest first, as far as the changelog still holds them. */
export function readHistory(engine: Engine, machine: MachineRef, key: string, options: HistoryOptions = {}): Promise<Change[]> {
  return history(engine, shardKeys(machine, shardOf(machine, key)), key, options);
}
