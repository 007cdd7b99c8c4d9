/**
 * @streamerson/file — the `file://` engine: durable streams in a local
 * directory, shared by the processes of one machine.
 */
export { FileEngine } from './engine/file-engine.js';
export { FileBlockingReader, DEFAULT_RECHECK_MS } from './engine/blocking-reader.js';
export { FileAccessError, FileCorruptError, FileFormatError } from './engine/errors.js';
export { FORMAT_VERSION } from './engine/schema.js';
export { DATABASE_FILE, DEFAULT_BUSY_TIMEOUT_MS, DEFAULT_WAL_LIMIT_BYTES, MAX_GROUP_COMMIT } from './engine/store.js';
export { NOTIFY_BUCKETS, NOTIFY_DIR } from './engine/notifier.js';
export { SEEN_TIME_RESOLUTION_MS } from './engine/seen-times.js';
export { engineModule, parseFileUrl, parseFileEngineOptions } from './engine/connect.js';
export type { FileEngineOptions, FileEngineConfig } from './engine/connect.js';
