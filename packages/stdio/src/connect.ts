import { InvalidUrlError, splitEngineUrl, type EngineModule } from '@streamerson/core';
import { DEFAULT_INPUT_STREAM, StdioEngine, type StdioEngineOptions } from './stdio-engine.js';

declare module '@streamerson/core' {
  interface ConnectOptions {
    readonly stdio?: StdioEngineOptions;
  }
}

/**
 * The stream of `stdio://[stream]` that stdin lines naming none go to;
 * {@link DEFAULT_INPUT_STREAM} when the URL names none. Throws
 * `ERR_STREAMERSON_INVALID_URL`.
 */
export function parseStdioUrl(url: string): string {
  const { scheme, rest } = splitEngineUrl(url);
  if (scheme !== 'stdio') throw new InvalidUrlError(url, `expected stdio://, got ${scheme}://`);
  if (/[?#/]/.test(rest)) throw new InvalidUrlError(url, 'a stdio:// URL names at most a stream: stdio://<stream>');
  try {
    return rest === '' ? DEFAULT_INPUT_STREAM : decodeURIComponent(rest);
  } catch (cause) {
    throw new InvalidUrlError(url, 'bad percent-encoding in the stream name', { cause });
  }
}

/** How `connect('stdio://[stream]')` of `@streamerson/core` opens the engine: on the process's stdin and stdout. */
export const engineModule: EngineModule<StdioEngineOptions> = {
  open: (url, options) => new StdioEngine(parseStdioUrl(url), options),
};
