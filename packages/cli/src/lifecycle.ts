/**
 * How a run ends early: SIGINT or SIGTERM (flush, then exit 128 + signal) or
 * the reader of our output going away (EPIPE: end quietly with 0). Commands
 * watch one AbortSignal and finish what they hold when it fires.
 */
import { EXIT } from './exit-codes.js';

export type StopReason = 'SIGINT' | 'SIGTERM' | 'EPIPE';

/** One stop signal per run. */
export class Lifecycle {
  readonly #controller = new AbortController();
  #reason: StopReason | undefined;

  get signal(): AbortSignal {
    return this.#controller.signal;
  }

  get reason(): StopReason | undefined {
    return this.#reason;
  }

  /** Asks the command to stop; the first reason wins. */
  stop(reason: StopReason): void {
    if (this.#reason !== undefined) return;
    this.#reason = reason;
    this.#controller.abort(reason);
  }

  /** Installs the signal handlers; a second signal exits at once (the user insists). */
  watchSignals(): () => void {
    const onSignal = (signal: 'SIGINT' | 'SIGTERM') => {
      if (this.#reason === 'SIGINT' || this.#reason === 'SIGTERM') process.exit(exitCodeOfStop(signal));
      this.stop(signal);
    };
    const onInt = () => onSignal('SIGINT');
    const onTerm = () => onSignal('SIGTERM');
    process.on('SIGINT', onInt);
    process.on('SIGTERM', onTerm);
    return () => {
      process.off('SIGINT', onInt);
      process.off('SIGTERM', onTerm);
    };
  }

  /** Exit code of a run that ended without error. */
  exitCode(): number {
    return this.#reason === undefined ? EXIT.OK : exitCodeOfStop(this.#reason);
  }
}

function exitCodeOfStop(reason: StopReason): number {
  if (reason === 'SIGINT') return EXIT.SIGINT;
  if (reason === 'SIGTERM') return EXIT.SIGTERM;
  return EXIT.OK;
}

/** Resolves after `ms`, or at once when `signal` fires. */
export function pause(ms: number, signal: AbortSignal): Promise<void> {
  if (signal.aborted) return Promise.resolve();
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal.addEventListener('abort', done, { once: true });
  });
}
