/**
 * The gateway's circuit on the engine: while the engine reports its
 * connection down (`stats().connected === false`, Redis while it reconnects),
 * new requests, publishes and subscriptions are answered
 * `503 ERR_STREAMERSON_UNAVAILABLE` with `Retry-After` at once instead of
 * waiting out their timeout; requests already in flight keep their deadline.
 * The circuit closes by itself as soon as the engine reports it is up again.
 */
import { StreamersonError, type Engine } from '@streamerson/core';

/** The failure of work refused while the engine is down. */
export const ENGINE_DOWN = new StreamersonError('ERR_STREAMERSON_UNAVAILABLE', 'the stream engine is unavailable');

/** Whether the engine says it is down; an engine that does not say is taken as up. */
export function engineDown(engine: Engine): boolean {
  return engine.stats().connected === false;
}
