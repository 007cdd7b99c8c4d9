import { spawn, type ChildProcess } from 'node:child_process';
import { rmSync } from 'node:fs';

/**
 * Keeps servers started by this module from outliving the test process. Two
 * layers: an 'exit' handler kills them on a normal exit, and a watchdog process
 * holding a pipe to us kills them when we die any other way (signal, crash),
 * because then the pipe closes. Both are set up with the first server, never at
 * import.
 */

interface Tracked {
  readonly child: ChildProcess;
  readonly dir: string;
}

const live = new Map<number, Tracked>();
let watchdog: ChildProcess | undefined;

const WATCHDOG_SOURCE = `
const { rmSync } = require('node:fs');
const tracked = new Map();
let pending = '';
process.on('SIGINT', () => {});
process.on('SIGTERM', () => {});
process.stdin.setEncoding('utf8');
process.stdin.on('data', (chunk) => {
  pending += chunk;
  let nl;
  while ((nl = pending.indexOf('\\n')) !== -1) {
    const msg = JSON.parse(pending.slice(0, nl));
    pending = pending.slice(nl + 1);
    if (msg.op === 'add') tracked.set(msg.pid, msg.dir);
    else tracked.delete(msg.pid);
  }
});
process.stdin.on('end', () => {
  for (const [pid, dir] of tracked) {
    try { process.kill(pid, 'SIGKILL'); } catch {}
    setTimeout(() => { try { rmSync(dir, { recursive: true, force: true }); } catch {} }, 100);
  }
  setTimeout(() => process.exit(0), 200);
});
`;

function killAllNow(): void {
  for (const { child, dir } of live.values()) {
    child.kill('SIGKILL');
    try {
      rmSync(dir, { recursive: true, force: true });
    } catch {
      // best effort while the process exits
    }
  }
  live.clear();
}

function notifyWatchdog(message: { op: 'add' | 'remove'; pid: number; dir?: string }): void {
  if (watchdog === undefined) {
    process.on('exit', killAllNow);
    watchdog = spawn(process.execPath, ['-e', WATCHDOG_SOURCE], { stdio: ['pipe', 'ignore', 'ignore'] });
    watchdog.on('error', () => {
      // Without a watchdog the 'exit' handler still covers normal exits.
    });
    watchdog.unref();
    (watchdog.stdin as unknown as { unref(): void } | null)?.unref();
  }
  watchdog.stdin?.write(`${JSON.stringify(message)}\n`);
}

/** Registers a started server process so that it dies with the test process. */
export function track(child: ChildProcess, dir: string): void {
  const pid = child.pid;
  if (pid === undefined) return;
  live.set(pid, { child, dir });
  notifyWatchdog({ op: 'add', pid, dir });
  child.once('exit', () => {
    live.delete(pid);
    notifyWatchdog({ op: 'remove', pid });
  });
}
