/**
 * @streamerson/core — the public API. Everything not exported here is
 * internal; what other Streamerson packages share beyond it (option checks,
 * the backoff schedule) is in `@streamerson/core/internal`.
 */

// Errors
export {
  ERROR_CODES,
  StreamersonError,
  InvalidOptionError,
  InvalidUrlError,
  EngineError,
  ClosedError,
  AbortError,
  TimeoutError,
  ProtocolError,
  redactUrl,
} from './errors.js';
export type { ErrorCode } from './errors.js';

// Engine contract and URLs
export type {
  FieldValue,
  RawEntry,
  StreamEntries,
  Retention,
  AppendOptions,
  AppendItem,
  StreamAcks,
  WritesBeforeRead,
  IdempotentAppendResult,
  ReadPosition,
  ReadOptions,
  GroupReadPosition,
  GroupReadOptions,
  GroupStart,
  PendingSummary,
  PendingEntry,
  PendingRangeOptions,
  ClaimOptions,
  AutoClaimResult,
  ConsumerInfo,
  GroupInfo,
  StreamInfo,
  BlockingReader,
  EngineCapabilities,
  EngineStats,
  Engine,
} from './engine/types.js';
export { FencedError, hasFencing, requireFencing } from './engine/fencing.js';
export type {
  Fencing,
  FencedWrite,
  FencedWriteResult,
  GroupAcks,
  HashWrite,
  HashScanPage,
  LeaseGrant,
  LeaseState,
} from './engine/fencing.js';
export { splitEngineUrl, parseMemoryUrl } from './engine/url.js';
export type { MemoryUrl, SchemeAndRest } from './engine/url.js';
export { connect, engineScheme, DEFAULT_ENGINE_URL, ENGINE_SCHEMES } from './engine/connect.js';
export { ENGINE_PACKAGES } from './engine/registry.js';
export type { ConnectOptions, EngineModule, EnginePackage } from './engine/registry.js';

// Lifecycle of every long-lived object
export type { Lifecycle } from './lifecycle.js';

// Keys
export { validateTopic, streamKey, topicStreams, hashTagOf, auxKey, SHARD_SEPARATOR, MAX_TOPIC_LENGTH } from './keys.js';

// Memory engine
export { MemoryEngine } from './memory/memory-engine.js';

// Wire protocol
export type { ContentType, Headers, OutgoingMessage, Message, ErrorReplyPayload } from './protocol/types.js';
export { PROTOCOL_VERSION, FIELD_NAMES, encodeMessage, decodeEntry, payloadBytes } from './protocol/codec.js';
export { CONTENT_TYPE_CODES, inferContentType, encodePayload } from './protocol/payload.js';
export {
  STATUS_HEADER,
  ERROR_HEADER,
  DEADLINE_HEADER,
  TRACEPARENT_HEADER,
  TRACESTATE_HEADER,
  IDEMPOTENCY_KEY_HEADER,
  GATEWAY_HEADER,
  AUTH_HEADER,
  RESERVED_HEADERS,
} from './protocol/headers.js';
export {
  isStreamId,
  parseStreamId,
  formatStreamId,
  compareStreamIds,
  nextStreamId,
  previousStreamId,
  streamIdFromTime,
  streamIdTime,
  MIN_STREAM_ID,
  MAX_STREAM_ID,
  MAX_STREAM_ID_PART,
} from './protocol/stream-id.js';
export type { StreamIdParts } from './protocol/stream-id.js';

// Producer
export { Producer } from './producer/producer.js';
export type { SendOptions, ProducerRecord, Receipt, ProducerStats, ProducerEvents } from './producer/producer.js';
export {
  DEFAULT_SHARDS,
  MAX_SHARDS,
  DEFAULT_DURABILITY,
  DEFAULT_DEDUPE_WINDOW_MS,
  DEFAULT_MAX_BATCH,
  DEFAULT_MAX_PENDING,
  DEFAULT_ROUTING,
} from './producer/producer-options.js';
export type { ProducerOptions, ProducerConfig, Durability, Routing } from './producer/producer-options.js';
export { fnv1a32, shardForKey } from './producer/shard-hash.js';

// Consumer
export { Consumer } from './consumer/consumer.js';
export type { ConsumerStats, ConsumerEvents } from './consumer/consumer.js';
export type { ConsumedMessage, RetryEvent } from './consumer/consumed-message.js';
export {
  DEFAULT_PREFETCH,
  REFILL_THRESHOLD,
  DEFAULT_BLOCK_MS,
  DEFAULT_RETRY_MIN_MS,
  DEFAULT_RETRY_MAX_MS,
  DEFAULT_OFFSET_COMMIT_MS,
  DEFAULT_GROUP_START,
} from './consumer/consumer-options.js';
export type { ConsumerOptions, ConsumerConfig, ConsumerMode, FromPosition, BadEntryHandler } from './consumer/consumer-options.js';
export { EngineOffsetStore } from './consumer/offset-store.js';
export type { OffsetStore } from './consumer/offset-store.js';

// Facades
export { ConsumerReadable } from './facades/readable.js';
export type { ConsumerReadableOptions } from './facades/readable.js';
export { createReadStream } from './facades/read-stream.js';
export { createWriteStream } from './facades/write-stream.js';
export type { ProducerWritableOptions } from './facades/writable.js';
