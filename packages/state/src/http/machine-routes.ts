/**
 * HTTP routes of a machine, for a Fastify server (the gateway's, say):
 *
 * - `POST <prefix>/:key/<command>`: sends the command with the body as its
 *   payload (the command's JSON Schema validates the body and documents it in
 *   OpenAPI); `?expectedVersion=n` for optimistic concurrency, the
 *   `Idempotency-Key` header as the command id. 200 `{ key, version, state }`
 *   (`duplicate: true` for a retry), else the status and code of the refusal
 *   (409 rejected or version conflict, 404 unknown type, 400, 503).
 * - `GET <prefix>/:key`: the key's state from the reader; `?minVersion=n`
 *   waits until the reader has seen it (504 `ERR_STREAMERSON_TIMEOUT`).
 * - `GET <prefix>/:key/watch`: Server-Sent Events — `state` (the key's state
 *   now), then a `change` per change (as `history` returns them); a client
 *   more than the reader's `watchBuffer` changes behind gets an `error` event
 *   (`ERR_STREAMERSON_SLOW_CONSUMER`) and the stream ends.
 *
 * Errors are `{ error: { code, message, details? } }` as the gateway answers
 * them; a rejection adds `reason`, the machine's own code. A body failing the
 * command's schema is 400 `ERR_STREAMERSON_INVALID_PAYLOAD`.
 */
import { once } from 'node:events';
import { StreamersonError } from '@streamerson/core';
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { MachineClient } from '../client/machine-client.js';
import { CommandError } from '../errors.js';
import type { Machine } from '../machine.js';
import type { StateReader } from '../reader/state-reader.js';

/** Options of {@link machineRoutes}. */
export interface MachineRoutesOptions<S> {
  readonly machine: Machine<S>;
  /** Sends the commands (give it the gateway's client: `{ client: fastify.streamerson.client }`). */
  readonly client: MachineClient<S>;
  /** Answers the queries; started by the first query when it was not. */
  readonly reader: StateReader<S>;
  /** Path of the routes; default `/machines/<name>`. */
  readonly prefix?: string;
}

const KEY_PARAMS = { type: 'object', required: ['key'], properties: { key: { type: 'string', minLength: 1, maxLength: 512 } } } as const;
const KEY_STATE = {
  type: 'object',
  required: ['key', 'version'],
  properties: { key: { type: 'string' }, version: { type: 'integer' }, state: {}, duplicate: { type: 'boolean' } },
} as const;

function numberOf(value: unknown): number | undefined {
  return value === undefined ? undefined : Number(value);
}

function sendError(reply: FastifyReply, error: unknown): FastifyReply {
  if (error instanceof CommandError) {
    const body: Record<string, unknown> = { code: error.code, message: error.message };
    if (error.errorCode !== error.code) body['reason'] = error.errorCode;
    if (error.details !== undefined) body['details'] = error.details;
    return reply.code(error.status).send({ error: body });
  }
  if (error instanceof StreamersonError && error.code === 'ERR_STREAMERSON_TIMEOUT') {
    return reply.code(504).send({ error: { code: error.code, message: error.message } });
  }
  throw error;
}

/**
 * The routes' own error handler: a body failing the command's schema is 400
 * `ERR_STREAMERSON_INVALID_PAYLOAD` (as the writer answers it), a bad key or
 * query 400 `ERR_STREAMERSON_BAD_REQUEST`; anything else is logged and 500.
 */
function routeError(error: FastifyError, request: FastifyRequest, reply: FastifyReply): FastifyReply {
  if (error.validation !== undefined) {
    const body = error.validationContext === 'body';
    const problems = error.validation.map((v) => `${v.instancePath || '/'} ${v.message ?? 'is not valid'}`);
    return reply.code(400).send({
      error: {
        code: body ? 'ERR_STREAMERSON_INVALID_PAYLOAD' : 'ERR_STREAMERSON_BAD_REQUEST',
        message: error.message,
        ...(body ? { details: { problems } } : {}),
      },
    });
  }
  if (typeof error.statusCode === 'number' && error.statusCode >= 400 && error.statusCode < 500) {
    return reply.code(error.statusCode).send({ error: { code: 'ERR_STREAMERSON_BAD_REQUEST', message: error.message } });
  }
  request.log.error({ err: error }, 'machine route failed');
  return reply.code(500).send({ error: { code: 'ERR_STREAMERSON_INTERNAL', message: 'internal error' } });
}

export function machineRoutes<S>(fastify: FastifyInstance, options: MachineRoutesOptions<S>): void {
  const { machine, client, reader } = options;
  const prefix = options.prefix ?? `/machines/${machine.name}`;
  const tags = [machine.name];
  for (const type of machine.commandTypes) {
    const body = machine.command(type)!.schema;
    fastify.route({
      method: 'POST',
      url: `${prefix}/:key/${type}`,
      schema: {
        summary: `command ${type} of ${machine.name}`,
        tags,
        params: KEY_PARAMS,
        querystring: { type: 'object', additionalProperties: false, properties: { expectedVersion: { type: 'integer', minimum: 0 } } },
        ...(body === undefined ? {} : { body }),
        response: { 200: KEY_STATE },
      },
      errorHandler: routeError,
      handler: async (request, reply) => {
        const { key } = request.params as { key: string };
        // Numbers of the query string, whether or not the server's validator coerced them.
        const expectedVersion = numberOf((request.query as { expectedVersion?: unknown }).expectedVersion);
        const id = request.headers['idempotency-key'];
        try {
          return await client.send(key, type as never, request.body as never, {
            ...(expectedVersion === undefined ? {} : { expectedVersion }),
            ...(typeof id === 'string' ? { commandId: id } : {}),
          });
        } catch (error) {
          return sendError(reply, error);
        }
      },
    });
  }
  fastify.route({
    method: 'GET',
    url: `${prefix}/:key/watch`,
    schema: { summary: `live changes of a key of ${machine.name} (Server-Sent Events)`, tags, params: KEY_PARAMS },
    errorHandler: routeError,
    handler: (request, reply) => watchKey(reader, (request.params as { key: string }).key, request, reply),
  });
  fastify.route({
    method: 'GET',
    url: `${prefix}/:key`,
    schema: {
      summary: `state of a key of ${machine.name}`,
      tags,
      params: KEY_PARAMS,
      querystring: { type: 'object', additionalProperties: false, properties: { minVersion: { type: 'integer', minimum: 0 } } },
      response: { 200: KEY_STATE },
    },
    errorHandler: routeError,
    handler: async (request, reply) => {
      const { key } = request.params as { key: string };
      const minVersion = numberOf((request.query as { minVersion?: unknown }).minVersion);
      try {
        return await reader.get(key, minVersion === undefined ? {} : { minVersion });
      } catch (error) {
        return sendError(reply, error);
      }
    },
  });
}

/** An SSE event: `event:` and one `data:` line of JSON. */
function sse(event: string, data: unknown): string {
  return `event: ${event}\ndata: ${JSON.stringify(data)}\n\n`;
}

/** The watch route: the key's state, then its changes, until the client goes or falls behind. */
async function watchKey<S>(reader: StateReader<S>, key: string, request: FastifyRequest, reply: FastifyReply): Promise<void> {
  const watcher = reader.watch(key);
  const current = await reader.get(key).catch((error: unknown) => {
    void watcher.return();
    throw error;
  });
  const raw = reply.raw;
  reply.hijack();
  raw.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache', 'x-accel-buffering': 'no' });
  request.raw.once('close', () => void watcher.return());
  const seen = current?.version ?? 0;
  raw.write(sse('state', { key, version: seen, state: current?.state ?? null }));
  try {
    for await (const change of watcher) {
      if (change.version <= seen) continue;
      if (!raw.write(sse('change', change))) await once(raw, 'drain');
    }
  } catch (error) {
    const code = error instanceof StreamersonError ? error.code : 'ERR_STREAMERSON_INTERNAL';
    if (!raw.destroyed) raw.write(sse('error', { code, message: error instanceof StreamersonError ? error.message : 'internal error' }));
  } finally {
    raw.end();
  }
}
