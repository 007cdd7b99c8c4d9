import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { FileEngine } from '../src/index.js';
import { fieldsOf } from './fixtures/crash-entries.js';

const APPENDER = new URL('./fixtures/appender.js', import.meta.url).pathname;
const ROUNDS = 20;

interface Round {
  readonly appended: Map<number, string>;
  readonly delivered: Set<string>;
  readonly next: number;
}

/** Runs the appender until it reported `lines` lines plus a random few milliseconds more, then SIGKILLs it. */
function crashRound(dir: string, stream: string, group: string, first: number, lines: number): Promise<Round> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [APPENDER, dir, stream, group, String(first)], { stdio: ['ignore', 'pipe', 'pipe'] });
    const appended = new Map<number, string>();
    const delivered = new Set<string>();
    let seen = 0;
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    createInterface({ input: child.stdout }).on('line', (line) => {
      const [kind, a, b] = line.split(' ');
      if (kind === 'appended') appended.set(Number(a), b!);
      else if (kind === 'delivered') delivered.add(a!);
      if (++seen === lines) setTimeout(() => child.kill('SIGKILL'), Math.floor(Math.random() * 15));
    });
    child.on('exit', (code, signal) => {
      if (signal !== 'SIGKILL') {
        reject(new Error(`the appender exited with ${code ?? signal} before it was killed: ${stderr}`));
        return;
      }
      const next = Math.max(first, ...appended.keys()) + 1_000;
      resolve({ appended, delivered, next });
    });
  });
}

test('SIGKILL during appends: every resolved append is there, no entry is torn, group state survives (20 rounds)', { timeout: 120_000 }, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'streamerson-crash-'));
  const stream = 'crash';
  const group = 'g';
  try {
    let first = 0;
    const everAppended = new Map<number, string>();
    const everDelivered = new Set<string>();
    for (let round = 0; round < ROUNDS; round++) {
      const lines = 1 + Math.floor(Math.random() * 400);
      const r = await crashRound(dir, stream, group, first, lines);
      for (const [n, id] of r.appended) everAppended.set(n, id);
      for (const id of r.delivered) everDelivered.add(id);
      first = r.next;

      const engine = new FileEngine(dir);
      try {
        const entries = await engine.range(stream, '-', '+');
        const byId = new Map(entries.map((e) => [e.id, e.fields.map((f) => f.toString())]));
        for (const e of entries) {
          const fields = byId.get(e.id)!;
          assert.equal(fields[0], 'n', `entry ${e.id} is whole`);
          assert.deepEqual(fields, fieldsOf(Number(fields[1])), `entry ${e.id} has exactly the fields appended`);
        }
        for (const [n, id] of everAppended) {
          assert.deepEqual(byId.get(id), fieldsOf(n), `resolved append ${n} (${id}) is stored after round ${round}`);
        }
        const pending = await engine.pendingRange(stream, group, { count: 1_000_000 });
        const pendingIds = new Set(pending.map((p) => p.id));
        for (const id of everDelivered) assert.ok(pendingIds.has(id), `delivered ${id} is still pending after round ${round}`);
        for (const p of pending) assert.ok(p.deliveries >= 1 && p.consumer === 'worker');
        const info = await engine.info(stream);
        const lastDelivered = info!.groups[0]!.lastDeliveredId;
        for (const id of everDelivered) {
          const [ms, seq] = id.split('-').map(Number) as [number, number];
          const [lms, lseq] = lastDelivered.split('-').map(Number) as [number, number];
          assert.ok(ms < lms || (ms === lms && seq <= lseq), `the group's last delivered id ${lastDelivered} covers ${id}`);
        }
      } finally {
        await engine.close();
      }
    }
    assert.ok(everAppended.size >= ROUNDS, `appends were made (${everAppended.size})`);
    assert.ok(everDelivered.size > 0, 'group reads were made');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
