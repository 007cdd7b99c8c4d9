/** What the hostile-client tests share: the gateway process they attack, and what an answer to an attacker may contain. */
import { strict as assert } from 'node:assert';
import { fileURLToPath } from 'node:url';
import { startNodeProcess, waitFor, type NodeProcess } from '@streamerson/testkit';

/** The topic of the attacked gateway's worker; the topic `forbidden` is refused by its authorization hook. */
export const HOSTILE_TOPIC = 'hostile';

const SCRIPT = fileURLToPath(new URL('./hostile/gateway-process.js', import.meta.url));

/** Text that belongs in logs, never in an answer: engine and framework internals, stack frames. */
const INTERNAL =
  /Maximum call stack|must be equal to|FST_|TypeError|RangeError|SyntaxError|Cannot read|is not a function|Unexpected token|node_modules|\bat \S+:\d+|\.js:\d+/;

/** The gateway process on the engine of `url`, listening; resolves once it is ready. */
export async function hostileGateway(url: string): Promise<{ proc: NodeProcess; base: string }> {
  const proc = await startNodeProcess(SCRIPT, [JSON.stringify({ url })], { name: 'hostile gateway' });
  const ready = proc.events.find((e) => e.event === 'ready')!;
  return { proc, base: ready['base'] as string };
}

/** Asserts the process is still running. */
export function assertAlive(proc: NodeProcess): void {
  assert.equal(proc.child.exitCode, null, `the gateway exited: ${proc.stderr()}`);
  assert.equal(proc.child.signalCode, null, `the gateway was killed: ${proc.stderr()}`);
}

/** The gateway process's heap and RSS after a full garbage collection. */
export async function memoryOf(proc: NodeProcess): Promise<{ heapUsed: number; rss: number }> {
  const seen = proc.events.length;
  proc.child.stdin!.write('memory\n');
  await waitFor(() => proc.events.slice(seen).some((e) => e.event === 'memory'), { what: 'the memory of the gateway process' });
  return proc.events.slice(seen).find((e) => e.event === 'memory') as unknown as { heapUsed: number; rss: number };
}

/** Asserts that memory came back near where it was before an attack: the heap within 16 MiB, RSS within 64 MiB. */
export function assertMemoryBack(before: { heapUsed: number; rss: number }, after: { heapUsed: number; rss: number }, what: string): void {
  const mib = (n: number): string => `${Math.round(n / 1_048_576)} MiB`;
  assert.ok(after.heapUsed - before.heapUsed < 16 * 1_048_576, `${what}: heap grew from ${mib(before.heapUsed)} to ${mib(after.heapUsed)}`);
  assert.ok(after.rss - before.rss < 64 * 1_048_576, `${what}: RSS grew from ${mib(before.rss)} to ${mib(after.rss)}`);
}

/** Asserts an error is the coded envelope, with a stable code and a message that names no internals. */
export function assertCoded(error: unknown, what: string): void {
  const e = error as { code?: unknown; message?: unknown };
  assert.equal(typeof e, 'object', `${what}: no error object in ${JSON.stringify(error)}`);
  assert.match(String(e.code), /^ERR_STREAMERSON_[A-Z_]+$/, `${what}: code of ${JSON.stringify(error)}`);
  assert.notEqual(e.code, 'ERR_STREAMERSON_INTERNAL', `${what}: answered as an internal error`);
  assert.equal(typeof e.message, 'string', `${what}: message of ${JSON.stringify(error)}`);
  assert.ok((e.message as string).length < 300, `${what}: message too long`);
  assert.doesNotMatch(e.message as string, INTERNAL, `${what}: internal text in ${JSON.stringify(error)}`);
}

/** An array nested `depth` levels deep. */
export const deepArray = (depth: number): string => '['.repeat(depth) + ']'.repeat(depth);
/** An object nested `depth` levels deep. */
export const deepObject = (depth: number): string => `${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}`;
