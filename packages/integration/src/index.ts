/**
 * @streamerson/integration — the producer, consumer and facade flows of
 * `@streamerson/core` as one suite, run by each test file against an engine
 * (standalone Redis, Redis Cluster).
 */
export { producerConsumerFlows } from './flows.js';
export type { EngineFixture } from './flows.js';
export { importCycles } from './import-cycles.js';
