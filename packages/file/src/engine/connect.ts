import { InvalidUrlError, splitEngineUrl, type EngineModule } from '@streamerson/core';
import { intOption, optionKeys, optionsObject } from '@streamerson/core/internal';
import { FileEngine } from './file-engine.js';
import { DEFAULT_BUSY_TIMEOUT_MS } from './store.js';

/** Options of the file:// engine, under `file` in `connect(url, { file: … })`. */
export interface FileEngineOptions {
  /** How long a write waits for another process's transaction; default {@link DEFAULT_BUSY_TIMEOUT_MS}. */
  readonly busyTimeoutMs?: number;
}

declare module '@streamerson/core' {
  interface ConnectOptions {
    readonly file?: FileEngineOptions;
  }
}

const OPTION_KEYS = optionKeys<FileEngineOptions>({ busyTimeoutMs: true });

/** The parsed options, defaults filled in. */
export interface FileEngineConfig {
  readonly busyTimeoutMs: number;
}

/** Checks the options of a file:// engine; unknown keys are refused, naming them. */
export function parseFileEngineOptions(options: FileEngineOptions = {}): FileEngineConfig {
  const o = optionsObject(options, OPTION_KEYS, 'file');
  return Object.freeze({ busyTimeoutMs: intOption(o['busyTimeoutMs'], 'file.busyTimeoutMs', DEFAULT_BUSY_TIMEOUT_MS, 0) });
}

/**
 * The directory of `file://<dir>`: absolute as in `file:///var/lib/app/streams`,
 * or relative to the working directory as in `file://./.streamerson`;
 * percent-encoding is decoded. Throws `ERR_STREAMERSON_INVALID_URL`.
 */
export function parseFileUrl(url: string): string {
  const { scheme, rest } = splitEngineUrl(url);
  if (scheme !== 'file') throw new InvalidUrlError(url, `expected file://, got ${scheme}://`);
  if (/[?#]/.test(rest)) throw new InvalidUrlError(url, 'a file:// URL takes no query or fragment; "?" and "#" in a directory name are written %3F and %23');
  let path: string;
  try {
    path = decodeURIComponent(rest);
  } catch (cause) {
    throw new InvalidUrlError(url, 'bad percent-encoding in the path', { cause });
  }
  if (path === '') throw new InvalidUrlError(url, 'missing directory (file:///absolute/dir or file://./relative/dir)');
  return path;
}

/** How `connect('file://<dir>')` of `@streamerson/core` opens the engine. */
export const engineModule: EngineModule<FileEngineOptions> = {
  open: (url, options) => new FileEngine(parseFileUrl(url), { ...parseFileEngineOptions(options), url }),
};
