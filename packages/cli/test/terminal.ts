/** The binary on a real terminal: a detached tmux session of a given size. */
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { uniqueName, waitFor } from '@streamerson/testkit';
import { MAIN, PROCESS_WAIT_MS } from './cli.js';

const run = promisify(execFile);

/** A command running in a terminal: its screen, keys typed into it, its exit status. */
export interface Terminal {
  /** The lines of the screen now. */
  screen(): Promise<string[]>;
  /** Keys as tmux names them: text, `Enter`, `C-c`, `C-d`, `PageUp`. */
  keys(...keys: string[]): Promise<unknown>;
  /** Waits until the screen satisfies `check`, and returns it. */
  until(what: string, check: (lines: string[]) => boolean): Promise<string[]>;
  /** Waits for the command to exit. */
  exitStatus(): Promise<number>;
  close(): Promise<void>;
}

/**
 * `streamerson <args> --url <url>` in a detached tmux session of `width`×`height`. The pane's
 * shell writes the exit status to a file (tmux may mark a pane dead without ever recording
 * the status of its process), then waits on the terminal (`cat`, ended by `close()`) so that
 * the screen stays as the command left it: tmux scrolls a dead pane's screen up a line.
 * Arguments are joined with spaces for that shell: no quoting.
 */
export async function terminal(args: readonly string[], url: string, width: number, height: number): Promise<Terminal> {
  const socket = uniqueName('tmux');
  const dir = mkdtempSync(join(tmpdir(), 'streamerson-tty-'));
  const statusFile = join(dir, 'status');
  const tmux = (...a: string[]) => run('tmux', ['-L', socket, ...a]);
  await tmux('new-session', '-d', '-s', 'cli', '-x', String(width), '-y', String(height));
  await tmux('set-option', '-t', 'cli', 'remain-on-exit', 'on');
  await tmux('respawn-pane', '-k', '-t', 'cli', `${process.execPath} ${MAIN} ${args.join(' ')} --url ${url}; echo $? > ${statusFile}; exec cat > /dev/null`);
  const screen = async () => (await tmux('capture-pane', '-p', '-t', 'cli')).stdout.replace(/\n$/, '').split('\n');
  return {
    screen,
    keys: (...keys: string[]) => tmux('send-keys', '-t', 'cli', ...keys),
    async until(what, check) {
      let last: string[] = [];
      try {
        await waitFor(async () => check((last = await screen())), { what, timeoutMs: PROCESS_WAIT_MS });
      } catch (error) {
        throw new Error(`${(error as Error).message}; the screen:\n${last.join('\n')}`, { cause: error });
      }
      return last;
    },
    async exitStatus() {
      const status = await waitFor(() => /^(\d+)\n$/.exec(readFileSync(statusFile, 'utf8'))?.[1], { what: 'the command to exit', timeoutMs: PROCESS_WAIT_MS });
      return Number(status);
    },
    async close() {
      await tmux('kill-server').catch(() => undefined);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
