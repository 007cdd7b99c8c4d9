/**
 * @streamerson/processor — stream processors: input topics read as a
 * consumer group, a handler per message type, outputs, keyed state, the input
 * acks and a controller log entry stored per batch in one fenced write, and
 * deterministic replay. See docs/PROCESSORS.md. The shard-owning runtime it
 * runs on (shared with state machines) is `@streamerson/processor/runtime`.
 */
export { defineProcessor, MAX_PROCESSOR_NAME } from './definition.js';
export type { ProcessorDefinition, ProcessorSpec, ProcessorHandler, ProcessorHandlerDefinition, TopicRef } from './definition.js';
export { KEY_HEADER } from './context.js';
export type { ProcessorContext, EmitOptions } from './context.js';
export { Processor } from './processor.js';
export type { ProcessorEvents, ProcessorStats } from './processor.js';
export type { InputCounts } from './input-shard.js';
export { inputKeys, allInputKeys, processorHandoffStream } from './names.js';
export type { InputKeys } from './names.js';
export { outputMessageId } from './batch.js';
export { decodeLogEntry } from './log.js';
export type { LogEntry, LoggedOutput } from './log.js';
export { replay } from './replay.js';
export type { ReplayOptions, ReplayReport, ReplayedOutput, Divergence } from './replay.js';
export {
  DEFAULT_PROCESSOR_LEASE_TTL_MS,
  DEFAULT_PROCESSOR_BATCH_SIZE,
  DEFAULT_PROCESSOR_BLOCK_MS,
  DEFAULT_PROCESSOR_CLAIM_INTERVAL_MS,
  DEFAULT_MAX_ATTEMPTS,
  DEFAULT_PROCESSOR_MAX_KEYS,
  DEFAULT_LOG_MAX_LEN,
  DEFAULT_OUTPUT_MAX_LEN,
  DEFAULT_OUTPUT_DEDUPE_WINDOW_MS,
} from './options.js';
export type { ProcessorOptions, ProcessorConfig } from './options.js';
