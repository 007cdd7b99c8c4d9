/**
 * @streamerson/service — the public API: services (workers in consumer
 * groups) and the request/reply client. Everything not exported here is internal.
 */
export { ServiceError, RemoteError, DEFAULT_ERROR_STATUS } from './errors.js';
export type { ServiceErrorOptions } from './errors.js';

export { Service } from './service/service.js';
export type { ServiceEvents, ServiceErrorContext } from './service/service.js';
export type { ServiceStats } from './service/stats.js';
export type { Handler, HandlerContext, HandlerOptions } from './service/handler.js';
export type { Hooks } from './service/hooks.js';
export type { PayloadProblem } from './service/schema.js';
export { DeadLetters, DEFAULT_DEAD_LETTER_PAGE, DEFAULT_REPLAY_TIMEOUT_MS } from './service/dead-letters.js';
export type { DeadLetterListOptions, ReplayOptions, ReplayResult } from './service/dead-letters.js';
export type { ReplayAs } from './service/replay.js';
export {
  Announcer,
  listInstances,
  REGISTRY_STREAM,
  ANNOUNCE_TYPE,
  DEFAULT_REGISTRY_TTL_MS,
  DEFAULT_REGISTRY_SCAN,
} from './registry/registry.js';
export type { InstanceKind, InstanceDescription, InstanceInfo, RouteInfo, EndpointInfo, AnnouncerStats } from './registry/registry.js';
export {
  parseServiceOptions,
  deadLetterStream,
  DEFAULT_CONCURRENCY,
  DEFAULT_MAX_DELIVERIES,
  DEFAULT_RETRY_DELAY_MS,
  DEFAULT_MAX_RETRY_DELAY_MS,
  DEFAULT_RETRY_JITTER,
  DEFAULT_CLAIM_IDLE_MS,
  DEFAULT_CLAIM_INTERVAL_MS,
  DEFAULT_SERVICE_BLOCK_MS,
  DEFAULT_MAX_SCHEDULED_RETRIES,
  DEFAULT_SERVICE_GROUP_START,
  DEFAULT_PRUNE_CONSUMERS_IDLE_MS,
  DEFAULT_DRAIN_TIMEOUT_MS,
  DEFAULT_TOPIC_TRIM_INTERVAL_MS,
  DEFAULT_DEAD_LETTER_MAX_LEN,
} from './service/service-options.js';
export type { ServiceOptions, ServiceConfig } from './service/service-options.js';
export { parseDeadLetter, DEAD_LETTER_FIELD_PREFIX } from './service/dead-letter.js';
export type { DeadLetter, DeadLetterMeta } from './service/dead-letter.js';

export { Client } from './client/client.js';
export type { RequestOptions, Reply, PublishOptions, BatchMessage, ClientStats, ClientEvents, ClientErrorContext } from './client/client.js';
export {
  parseClientOptions,
  DEFAULT_REQUEST_TIMEOUT_MS,
  DEFAULT_MAX_IN_FLIGHT,
  DEFAULT_REPLY_BLOCK_MS,
  DEFAULT_REPLY_READ_COUNT,
  DEFAULT_REPLY_TRIM_INTERVAL_MS,
  DEFAULT_REPLY_TTL_MS,
  REPLY_STREAM_PREFIX,
  DEFAULT_TOPIC_MAX_LEN,
} from './client/client-options.js';
export type { ClientOptions, ClientConfig } from './client/client-options.js';
