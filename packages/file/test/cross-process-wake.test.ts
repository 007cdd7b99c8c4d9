import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fnv1a32 } from '@streamerson/core';
import { FileEngine, NOTIFY_BUCKETS } from '../src/index.js';

const LINE_APPENDER = new URL('./fixtures/line-appender.js', import.meta.url).pathname;
const ROUNDS = 20;

/** A stream whose appends touch another notification file than `stream`'s (same-file appends would wake the read directly). */
function otherBucketThan(stream: string): string {
  const bucket = fnv1a32(stream) % NOTIFY_BUCKETS;
  for (let i = 0; ; i++) if (fnv1a32(`other-${i}`) % NOTIFY_BUCKETS !== bucket) return `other-${i}`;
}

test("another process's append wakes a blocked group read within milliseconds while this process commits too", { timeout: 60_000 }, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'streamerson-xwake-'));
  const engine = new FileEngine(dir);
  const reader = engine.openReader();
  const child = spawn(process.execPath, [LINE_APPENDER, dir, 's'], { stdio: ['pipe', 'pipe', 'inherit'] });
  const lines = createInterface({ input: child.stdout })[Symbol.asyncIterator]();
  const own = otherBucketThan('s');
  let busy = true;
  try {
    await engine.createGroup('s', 'g', '$');
    // This process's own commits all along, each notifying this process too: they must not hide the other's.
    const ownWrites = (async () => {
      while (busy) {
        await engine.append(own, ['own', '1']);
        // Let file events and the other process's output in between.
        await new Promise<void>((resolve) => setImmediate(resolve));
      }
    })();
    const latencies: number[] = [];
    for (let round = 0; round < ROUNDS; round++) {
      const read = reader.readGroup('g', 'c', [{ stream: 's', after: '>' }], { blockMs: 5_000 }).then((got) => ({ got, at: Date.now() }));
      child.stdin.write(`${round}\n`);
      const { value } = await lines.next();
      const [, id, appendedAt] = (value as string).split(' ');
      const { got, at } = await read;
      assert.deepEqual(
        got.map((b) => b.entries.map((e) => e.id)),
        [[id]],
      );
      latencies.push(at - Number(appendedAt));
    }
    busy = false;
    await ownWrites;
    latencies.sort((a, b) => a - b);
    // A lost wake-up waits for the 200 ms re-check: half the rounds would take about 100 ms or more.
    assert.ok(latencies[ROUNDS / 2]! < 25, `median wake-up ${latencies[ROUNDS / 2]} ms (all: ${latencies.join(', ')})`);
  } finally {
    busy = false;
    child.stdin.end();
    await once(child, 'exit');
    await reader.close();
    await engine.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
