import assert from 'node:assert/strict';
import { it as nodeIt } from 'node:test';
import { StreamersonError, type Engine, type ErrorCode, type RawEntry, type StreamEntries } from '@streamerson/core';
import { uniqueName } from '@streamerson/testkit';

/** Deadline of one conformance test, so that an operation that never settles fails its test instead of hanging the run. */
export const DEFAULT_TEST_TIMEOUT_MS = 10_000;

/** `it` with {@link DEFAULT_TEST_TIMEOUT_MS}. */
export function it(name: string, fn: () => void | Promise<void>): void {
  nodeIt(name, { timeout: DEFAULT_TEST_TIMEOUT_MS }, fn);
}

/** What a conformance run is given: an engine URL and how to dispose of what backs it. */
export interface ConformanceTarget {
  /** The URL handed to `connect()`. */
  readonly url: string;
  /** Stops whatever serves the URL (a redis-server, a cluster); called once after the suite. */
  teardown(): Promise<void>;
  /**
   * Runs one raw command on the backing server, for keys that the engine API
   * cannot make (a plain string next to streams). Omitted for engines without one.
   */
  command?(...args: string[]): Promise<unknown>;
  /**
   * Opens the engine the suite's tests share; default `connect(url)`. A target
   * may hand in an engine whose operations are spread over processes.
   */
  open?(): Promise<Engine>;
}

/** What each group of tests sees; `engine` exists once the suite's `before` ran. */
export interface SuiteContext {
  readonly target: ConformanceTarget;
  /** The engine shared by the tests of the suite. */
  readonly engine: Engine;
  /** A stream name no other test uses. */
  name(prefix?: string): string;
}

/** Entries as plain strings, for readable assertions. */
export interface TextEntry {
  readonly id: string;
  readonly fields: string[];
}

/** An entry with its fields decoded as UTF-8. */
export function text(entry: RawEntry): TextEntry {
  return { id: entry.id, fields: entry.fields.map((f) => f.toString('utf8')) };
}

/** Entries with their fields decoded as UTF-8. */
export function texts(entries: readonly RawEntry[]): TextEntry[] {
  return entries.map(text);
}

/** Read results keyed by stream, entries as text; order of streams is not part of the contract. */
export function byStream(results: readonly StreamEntries[]): Record<string, TextEntry[]> {
  const out: Record<string, TextEntry[]> = {};
  for (const r of results) out[r.stream] = texts(r.entries);
  return out;
}

/** The ids of entries. */
export function ids(entries: readonly { readonly id: string }[]): string[] {
  return entries.map((e) => e.id);
}

/** Asserts that a promise rejects with a StreamersonError of `code`. */
export async function rejectsWithCode(promise: Promise<unknown>, code: ErrorCode): Promise<void> {
  await assert.rejects(promise, (err: unknown) => {
    assert.ok(err instanceof StreamersonError, `expected a StreamersonError with ${code}, got ${String(err)}`);
    assert.equal(err.code, code, `expected ${code}, got ${err.code}: ${err.message}`);
    return true;
  });
}

/** Appends `n` entries `i=<k>` to `stream` and resolves with their ids in order. */
export async function fill(engine: Engine, stream: string, n: number): Promise<string[]> {
  const ids = await engine.appendBatch(Array.from({ length: n }, (_, k) => ({ stream, fields: ['i', String(k)] })));
  return ids.map((id) => {
    assert.ok(id !== null);
    return id;
  });
}

/** A unique stream name with the given prefix. */
export function uniqueStream(prefix = 'conf'): string {
  return uniqueName(prefix);
}
