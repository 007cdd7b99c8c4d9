/** Runs the built `streamerson` binary as a child process, as users do. */
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/**
 * How long a test waits for what a CLI process does (its named pipe, its
 * writes): a bound, not a pause — on a loaded machine a Node process takes
 * seconds to start.
 */
export const PROCESS_WAIT_MS = 30_000;

/** The compiled binary (tests run from dist/test). */
export const MAIN = fileURLToPath(new URL('../src/main.js', import.meta.url));

export interface CliResult {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: string;
  readonly stderr: string;
}

export interface RunOptions {
  readonly url: string;
  /** Written to stdin, which is then closed; stdin is empty when omitted. */
  readonly input?: string | Buffer;
  readonly timeoutMs?: number;
  /** More environment variables. */
  readonly env?: Readonly<Record<string, string>>;
}

/** Starts the binary; the caller owns the child. */
export function startCli(args: readonly string[], url: string, env: Readonly<Record<string, string>> = {}): ChildProcess {
  return spawn(process.execPath, [MAIN, ...args], {
    env: { ...process.env, STREAMERSON_URL: url, ...env },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
}

/** Collects the output of a started child until it exits. */
export function finished(child: ChildProcess, timeoutMs = 20_000): Promise<CliResult> {
  let stdout = '';
  let stderr = '';
  child.stdout?.setEncoding('utf8').on('data', (d: string) => (stdout += d));
  child.stderr?.setEncoding('utf8').on('data', (d: string) => (stderr += d));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`streamerson did not exit within ${timeoutMs} ms; stderr: ${stderr}`));
    }, timeoutMs);
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr });
    });
  });
}

/** Runs `streamerson <args>` to the end. */
export function cli(args: readonly string[], options: RunOptions): Promise<CliResult> {
  const child = startCli(args, options.url, options.env);
  const done = finished(child, options.timeoutMs);
  child.stdin!.on('error', () => undefined);
  child.stdin!.end(options.input ?? '');
  return done;
}

/** Lines of a text, without the empty one after the last newline. */
export function lines(text: string): string[] {
  return text === '' ? [] : text.replace(/\n$/, '').split('\n');
}
