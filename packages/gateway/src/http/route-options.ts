/** Options of one gateway HTTP route, and their parser. */
import { InvalidOptionError, validateTopic } from '@streamerson/core';
import { intOption, optionKeys, optionsObject } from '@streamerson/core/internal';
import type { FastifySchema, HTTPMethods } from 'fastify';

/** Methods a gateway route may answer. */
export const ROUTE_METHODS: readonly HTTPMethods[] = Object.freeze(['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS']);

/** An HTTP route forwarded to a topic. */
export interface GatewayRouteOptions {
  readonly method: HTTPMethods;
  /** Fastify route pattern, for example `/todos/:id`. */
  readonly url: string;
  /** The topic the request message is written to. */
  readonly topic: string;
  /** Message type (which handler runs); default `"<METHOD> <url>"`. */
  readonly type?: string;
  /** Fastify/JSON schema: validates params, query and body before anything is sent, and documents the route in OpenAPI. */
  readonly schema?: FastifySchema;
  /** Reply deadline in ms; default the gateway's `timeout`. Past it the answer is 504. */
  readonly timeout?: number;
  /** Fire-and-forget: publish the request and answer 202 with the message id, without waiting. Default false. */
  readonly oneWay?: boolean;
  /** Largest body in bytes; default Fastify's `bodyLimit`. Over it the answer is 413. */
  readonly bodyLimit?: number;
  /** Shards of the topic; default 1. */
  readonly shards?: number;
}

/** Parsed, frozen route options. */
export interface RouteConfig {
  readonly method: HTTPMethods;
  readonly url: string;
  readonly topic: string;
  readonly type: string;
  readonly schema: FastifySchema | undefined;
  readonly timeout: number;
  readonly oneWay: boolean;
  readonly bodyLimit: number | undefined;
  readonly shards: number;
}

const ROUTE_KEYS = optionKeys<GatewayRouteOptions>({
  method: true,
  url: true,
  topic: true,
  type: true,
  schema: true,
  timeout: true,
  oneWay: true,
  bodyLimit: true,
  shards: true,
});

/** Validates one route; option names are prefixed with `route.`. */
export function parseRouteOptions(input: unknown, defaultTimeout: number): RouteConfig {
  const o = optionsObject(input, ROUTE_KEYS, 'route');
  const method = typeof o['method'] === 'string' ? o['method'].toUpperCase() : o['method'];
  if (!(ROUTE_METHODS as readonly unknown[]).includes(method))
    throw new InvalidOptionError('route.method', `expected one of ${ROUTE_METHODS.join(', ')}, got ${JSON.stringify(o['method'])}`);
  if (typeof o['url'] !== 'string' || !o['url'].startsWith('/'))
    throw new InvalidOptionError('route.url', `expected a path starting with "/", got ${JSON.stringify(o['url'])}`);
  const topic = validateTopic(o['topic'], 'route.topic');
  if (o['type'] !== undefined && typeof o['type'] !== 'string') throw new InvalidOptionError('route.type', 'expected a string');
  if (o['schema'] !== undefined && (typeof o['schema'] !== 'object' || o['schema'] === null))
    throw new InvalidOptionError('route.schema', 'expected a schema object');
  if (o['oneWay'] !== undefined && typeof o['oneWay'] !== 'boolean') throw new InvalidOptionError('route.oneWay', 'expected a boolean');
  return Object.freeze({
    method: method as HTTPMethods,
    url: o['url'],
    topic,
    type: (o['type'] as string | undefined) ?? `${method as string} ${o['url']}`,
    schema: o['schema'] as FastifySchema | undefined,
    timeout: intOption(o['timeout'], 'route.timeout', defaultTimeout, 1),
    oneWay: (o['oneWay'] as boolean | undefined) ?? false,
    bodyLimit: o['bodyLimit'] === undefined ? undefined : intOption(o['bodyLimit'], 'route.bodyLimit', 0, 1),
    shards: intOption(o['shards'], 'route.shards', 1, 1),
  });
}
