/**
 * @streamerson/service/internal — what other Streamerson packages that answer
 * requests (state machines) or consume topics (processors) share with
 * services: reply entries as the protocol defines them, payload schemas, the
 * `deadline` header, dead-letter entries. Not part of the public API: it may
 * change with any release.
 */
export { successReply, errorReply, safeErrorReply } from './service/replies.js';
export { compileSchema } from './service/schema.js';
export type { PayloadCheck } from './service/schema.js';
export { parseDeadline } from './service/time.js';
export { deadLetterFields } from './service/dead-letter.js';
export type { DeadLetterMeta } from './service/dead-letter.js';
