/**
 * @streamerson/stdio — the `stdio://` engine: a process in a Unix pipe, with
 * NDJSON messages from stdin as a stream and produced messages on stdout.
 */
export { StdioEngine, DEFAULT_INPUT_STREAM, DEFAULT_INPUT_WINDOW, INTERNAL_STREAM_PREFIX } from './stdio-engine.js';
export type { StdioEngineOptions } from './stdio-engine.js';
export { parseLine, formatLine } from './lines.js';
export type { LineAppend } from './lines.js';
export { engineModule, parseStdioUrl } from './connect.js';
