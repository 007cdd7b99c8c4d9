/**
 * @streamerson/service/internal — what other Streamerson packages that answer
 * requests (state machines) share with services: reply entries as the
 * protocol defines them, payload schemas, the `deadline` header. Not part of
 * the public API: it may change with any release.
 */
export { successReply, errorReply, safeErrorReply } from './service/replies.js';
export { compileSchema } from './service/schema.js';
export type { PayloadCheck } from './service/schema.js';
export { parseDeadline } from './service/time.js';
