/**
 * Loads one shard as a reader sees it: the snapshot hash, then the changelog
 * after the snapshot's offset (a change replaces a state only if its version
 * is newer: the hash may hold states newer than its offset). If the writer
 * announced a trim past that offset meanwhile, part of the changelog may be
 * gone: the load starts again.
 */
import { compareStreamIds, type Engine, type Fencing } from '@streamerson/core';
import { decodeChange, decodeSnapshot, type Change, type Versioned } from '../codec.js';
import { META_OFFSET, META_TRIMMED, type ShardKeys } from '../names.js';

/** Loads tried before a load gives up (each lost a race with a trim). */
export const MAX_LOAD_ATTEMPTS = 5;

/** A shard as loaded: states by key, and the changelog id they reflect. */
export interface LoadedShard<S> {
  readonly states: Map<string, Versioned<S>>;
  readonly position: string;
  /** Entries of the hash or changelog that could not be read (skipped). */
  readonly bad: number;
}

/** The `trimmed` mark of a shard: the changelog may be gone below it. */
export async function trimmedMark(engine: Engine & Fencing, keys: ShardKeys): Promise<string> {
  const [trimmed] = await engine.hashGet(keys.meta, [META_TRIMMED]);
  return trimmed?.toString() ?? '0-0';
}

/** Applies a change if it is newer than what `states` holds; true when it was. */
export function applyChange<S>(states: Map<string, Versioned<S>>, change: Change): boolean {
  const known = states.get(change.key);
  if (known !== undefined && known.version >= change.version) return false;
  states.set(change.key, { version: change.version, state: change.state as S });
  return true;
}

export async function loadShard<S>(engine: Engine & Fencing, keys: ShardKeys, pageSize: number): Promise<LoadedShard<S>> {
  for (let attempt = 1; ; attempt++) {
    const [offsetBytes] = await engine.hashGet(keys.meta, [META_OFFSET]);
    const offset = offsetBytes?.toString() ?? '0-0';
    const states = new Map<string, Versioned<S>>();
    let bad = 0;
    // The next page is asked for before this one is decoded: the server scans while this process decodes.
    let next = engine.hashScan(keys.state, '0', pageSize);
    for (;;) {
      const page = await next;
      if (page.cursor !== '0') next = engine.hashScan(keys.state, page.cursor, pageSize);
      for (const [key, bytes] of page.entries) {
        const value = decodeSnapshot(bytes);
        if (value === undefined) bad++;
        else states.set(key, value as Versioned<S>);
      }
      if (page.cursor === '0') break;
    }
    let position = offset;
    let start = offset === '0-0' ? '-' : `(${offset}`;
    for (;;) {
      const page = await engine.range(keys.changelog, start, '+', pageSize);
      for (const entry of page) {
        const change = decodeChange(entry);
        if (change === undefined) bad++;
        else applyChange(states, change);
        position = entry.id;
      }
      if (page.length < pageSize) break;
      start = `(${position}`;
    }
    if (compareStreamIds(await trimmedMark(engine, keys), offset) <= 0 || attempt >= MAX_LOAD_ATTEMPTS) return { states, position, bad };
  }
}
