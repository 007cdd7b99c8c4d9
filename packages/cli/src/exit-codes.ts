/**
 * Exit codes of the `streamerson` command (docs/CLI.md, "Exit codes"). Scripts
 * branch on them, so they never change meaning.
 */
import { StreamersonError } from '@streamerson/core';

export const EXIT = Object.freeze({
  /** Done; also when the reader of stdout went away (EPIPE). */
  OK: 0,
  /** The engine failed or could not be reached, or another runtime error. */
  FAILURE: 1,
  /** Wrong arguments or options, or a bad URL. */
  USAGE: 2,
  /** A line of input could not be parsed and `--skip-bad` was not given. */
  BAD_INPUT: 3,
  /** A request was answered with an error reply. */
  REMOTE: 4,
  /** A request got no reply before its timeout. */
  TIMEOUT: 5,
  /** The topic, group or entry named does not exist. */
  NOT_FOUND: 6,
  /** A replayed processor made other outputs than its record. */
  DIVERGED: 7,
  /** Stopped by SIGINT (128 + 2), after flushing. */
  SIGINT: 130,
  /** Stopped by SIGTERM (128 + 15), after flushing. */
  SIGTERM: 143,
});

/** The exit code an error ends the command with. */
export function exitCodeOf(error: unknown): number {
  if (!(error instanceof StreamersonError)) return EXIT.FAILURE;
  switch (error.code) {
    case 'ERR_STREAMERSON_USAGE':
    case 'ERR_STREAMERSON_INVALID_OPTION':
    case 'ERR_STREAMERSON_INVALID_URL':
    case 'ERR_STREAMERSON_INVALID_ID':
      return EXIT.USAGE;
    case 'ERR_STREAMERSON_BAD_INPUT':
      return EXIT.BAD_INPUT;
    case 'ERR_STREAMERSON_REMOTE':
      return EXIT.REMOTE;
    case 'ERR_STREAMERSON_TIMEOUT':
      return EXIT.TIMEOUT;
    case 'ERR_STREAMERSON_NOT_FOUND':
    case 'ERR_STREAMERSON_NO_GROUP':
      return EXIT.NOT_FOUND;
    case 'ERR_STREAMERSON_REPLAY_DIVERGED':
      return EXIT.DIVERGED;
    default:
      return EXIT.FAILURE;
  }
}
