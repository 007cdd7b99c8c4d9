/** Options of the gateway plugin, their defaults and their one parser. */
import { InvalidOptionError, type Engine } from '@streamerson/core';
import { intOption, objectOption, optionKeys, optionsObject } from '@streamerson/core/internal';
import { DEFAULT_REGISTRY_TTL_MS, type Client, type ClientOptions } from '@streamerson/service';
import type { AuthorizeHook } from './authorize.js';
import { parseOrigins, type OriginPolicy, type WsOrigins } from './ws/origin.js';
import { ipIdentity, type IdentityOf } from './limits/in-flight.js';
import type { GatewayRouteOptions } from './http/route-options.js';

/** Default time an HTTP or WebSocket request waits for its reply. */
export const DEFAULT_GATEWAY_TIMEOUT_MS = 10_000;
/** Default most requests waiting for a reply at once per gateway; one more is answered 503. */
export const DEFAULT_GATEWAY_MAX_IN_FLIGHT = 10_000;
/** Default most requests one identity (see `identity`) may have waiting at once; one more is answered 429. */
export const DEFAULT_MAX_IN_FLIGHT_PER_IDENTITY = 1_000;
/** Default most operations one WebSocket may have under way at once; one more is answered with a 429 error frame. */
export const DEFAULT_WS_MAX_IN_FLIGHT = 100;
/** Default time a request body may take to arrive after its headers; later is 408 and the connection is closed. */
export const DEFAULT_BODY_TIMEOUT_MS = 30_000;
/** Default time the engine must have been seen down before new work is refused at once (shorter outages are ridden out). */
export const DEFAULT_ENGINE_DOWN_AFTER_MS = 3_000;
/** Default seconds in the `Retry-After` header of a 503. */
export const DEFAULT_RETRY_AFTER_SECONDS = 1;
/** Default least time between two length checks of a capped topic. */
export const DEFAULT_LENGTH_CHECK_INTERVAL_MS = 1_000;
/** Request headers copied into the request message by default (lower case). */
export const DEFAULT_FORWARD_HEADERS: readonly string[] = Object.freeze(['accept', 'accept-language', 'content-type', 'user-agent', 'x-request-id']);
/** Default path of the Prometheus endpoint. */
export const DEFAULT_METRICS_PATH = '/metrics';
/** Default path of the OpenAPI document. */
export const DEFAULT_OPENAPI_PATH = '/openapi.json';
/** Default path of the WebSocket endpoint. */
export const DEFAULT_WS_PATH = '/ws';
/** Default largest WebSocket frame accepted; a larger one closes the socket with 1009. */
export const DEFAULT_WS_MAX_PAYLOAD = 1_048_576;
/** Default bytes a socket or SSE response may have unsent before it is closed as a slow consumer. */
export const DEFAULT_MAX_BUFFERED_BYTES = 1_048_576;
/** Default most topics one WebSocket may subscribe to. */
export const DEFAULT_MAX_SUBSCRIPTIONS = 100;
/** Default path prefix of the Server-Sent Events endpoint: `GET /events/<topic>`. */
export const DEFAULT_SSE_PATH = '/events';
/** Default interval of SSE heartbeat comments. */
export const DEFAULT_HEARTBEAT_MS = 15_000;
/** Default time the shared subscription read blocks. */
export const DEFAULT_SUBSCRIBE_BLOCK_MS = 5_000;
/** Default most entries read per stream by the shared subscription read and per page of a resume. */
export const DEFAULT_SUBSCRIBE_READ_COUNT = 100;
/** Default deepest nesting of arrays and objects in JSON from clients (HTTP bodies, WebSocket frames). */
export const DEFAULT_MAX_JSON_DEPTH = 64;
/** Default most events held for a subscriber while it catches up from an id. */
export const DEFAULT_MAX_CATCH_UP_QUEUE = 10_000;

/** Options of the plugin. Give `engine` (or `client`); the gateway never closes what it was given. */
export interface GatewayOptions {
  /** The engine requests are written to and subscriptions read from. Required. */
  readonly engine: Engine;
  /** A client to use instead of the gateway's own; default one made from `clientOptions`. */
  readonly client?: Client;
  /** Options of the gateway's own client (its `id` names the reply stream). */
  readonly clientOptions?: ClientOptions;
  /** Default route timeout in ms; default {@link DEFAULT_GATEWAY_TIMEOUT_MS}. */
  readonly timeout?: number;
  /** Requests in flight before 503; default {@link DEFAULT_GATEWAY_MAX_IN_FLIGHT}. Ignored with `client`. */
  readonly maxInFlight?: number;
  /** Requests one identity may have waiting at once before 429; default {@link DEFAULT_MAX_IN_FLIGHT_PER_IDENTITY}. */
  readonly maxInFlightPerIdentity?: number;
  /**
   * Names the caller that per-identity limits count against; default the
   * client address (`request.ip`: set Fastify's `trustProxy` behind a proxy).
   * An application with authentication returns the user or tenant here.
   */
  readonly identity?: IdentityOf;
  /**
   * Most ms a request body may take to arrive after its headers (routes
   * registered after the plugin); later it is answered 408 and its connection
   * closed. Default {@link DEFAULT_BODY_TIMEOUT_MS}.
   */
  readonly bodyTimeout?: number;
  /**
   * Once the engine has reported its connection down this long, new work is
   * answered 503 with `Retry-After` at once until it is back; a shorter outage
   * (a reconnect, a failover) is ridden out. Default {@link DEFAULT_ENGINE_DOWN_AFTER_MS}.
   */
  readonly engineDownAfterMs?: number;
  /** Request headers forwarded to workers (case-insensitive); default {@link DEFAULT_FORWARD_HEADERS}. */
  readonly forwardHeaders?: readonly string[];
  /** Answer 503 when a route's topic holds more entries than this; default no cap. */
  readonly maxTopicLength?: number;
  /** How often capped topics are measured; default {@link DEFAULT_LENGTH_CHECK_INTERVAL_MS}. */
  readonly lengthCheckIntervalMs?: number;
  /** `Retry-After` of 503 answers; default {@link DEFAULT_RETRY_AFTER_SECONDS}. */
  readonly retryAfterSeconds?: number;
  /** Answer unknown routes with a coded 404; default true. */
  readonly notFound?: boolean;
  /**
   * Answer the errors of every route of the server, the application's too, in
   * the coded envelope (5xx logged and emitted as `'error'`); default false.
   * With `codedServerOptions()` given to Fastify, every answer is coded.
   */
  readonly errorHandler?: boolean;
  /** Path of the Prometheus endpoint, or false; default {@link DEFAULT_METRICS_PATH}. */
  readonly metrics?: string | false;
  /** OpenAPI document: its path and info, or false; default {@link DEFAULT_OPENAPI_PATH}. */
  readonly openapi?: false | { readonly path?: string; readonly info?: { readonly title: string; readonly version: string } };
  /** WebSocket endpoint, or false for none. */
  readonly ws?: false | WsOptions;
  /** Server-Sent Events endpoint, or false for none. */
  readonly sse?: false | SseOptions;
  /** Decides WebSocket connections and every topic operation; default: refuse every topic. */
  readonly authorize?: AuthorizeHook;
  /** Deepest nesting of arrays and objects in a JSON body or frame payload; deeper is a 400. Default {@link DEFAULT_MAX_JSON_DEPTH}. */
  readonly maxJsonDepth?: number;
  /** Routes to add when the plugin loads. */
  readonly routes?: readonly GatewayRouteOptions[];
  /** Shared subscription read: block time and entries per read. */
  readonly subscribe?: { readonly blockMs?: number; readonly readCount?: number; readonly maxCatchUpQueue?: number };
  /**
   * Announce this gateway and its routes in the service registry (see
   * `listInstances` of @streamerson/service), under `name`; false turns it off.
   * Default `{ name: 'gateway', ttlMs: DEFAULT_REGISTRY_TTL_MS }`.
   */
  readonly announce?: false | { readonly name?: string; readonly ttlMs?: number };
}

/** WebSocket endpoint options. */
export interface WsOptions {
  /** Default {@link DEFAULT_WS_PATH}. */
  readonly path?: string;
  /** Largest frame in bytes; default {@link DEFAULT_WS_MAX_PAYLOAD}. */
  readonly maxPayload?: number;
  /** Unsent bytes before a socket is closed as slow; default {@link DEFAULT_MAX_BUFFERED_BYTES}. */
  readonly maxBufferedBytes?: number;
  /** Default {@link DEFAULT_MAX_SUBSCRIPTIONS}. */
  readonly maxSubscriptions?: number;
  /** Operations (requests, publishes, subscribes…) one socket may have under way; default {@link DEFAULT_WS_MAX_IN_FLIGHT}. */
  readonly maxInFlight?: number;
  /** Pages (by `Origin`) that may open a socket; default {@link DEFAULT_WS_ORIGINS}: the gateway's own host only. */
  readonly origins?: WsOrigins;
}

/** Server-Sent Events endpoint options. */
export interface SseOptions {
  /** Path prefix; default {@link DEFAULT_SSE_PATH}. */
  readonly path?: string;
  /** Default {@link DEFAULT_HEARTBEAT_MS}. */
  readonly heartbeatMs?: number;
  /** Default {@link DEFAULT_MAX_BUFFERED_BYTES}. */
  readonly maxBufferedBytes?: number;
}

/** Parsed, frozen options. */
export interface GatewayConfig {
  readonly engine: Engine;
  readonly client: Client | undefined;
  readonly clientOptions: ClientOptions;
  readonly timeout: number;
  readonly maxInFlight: number;
  readonly maxInFlightPerIdentity: number;
  readonly identity: IdentityOf;
  readonly bodyTimeout: number;
  readonly engineDownAfterMs: number;
  readonly forwardHeaders: readonly string[];
  readonly maxTopicLength: number | undefined;
  readonly lengthCheckIntervalMs: number;
  readonly retryAfterSeconds: number;
  readonly notFound: boolean;
  readonly errorHandler: boolean;
  readonly metricsPath: string | undefined;
  readonly openapi: { readonly path: string; readonly info: { readonly title: string; readonly version: string } } | undefined;
  readonly ws:
    | {
        readonly path: string;
        readonly maxPayload: number;
        readonly maxBufferedBytes: number;
        readonly maxSubscriptions: number;
        readonly maxInFlight: number;
        readonly origins: OriginPolicy;
      }
    | undefined;
  readonly sse: { readonly path: string; readonly heartbeatMs: number; readonly maxBufferedBytes: number } | undefined;
  readonly authorize: AuthorizeHook | undefined;
  readonly maxJsonDepth: number;
  readonly routes: readonly GatewayRouteOptions[];
  readonly subscribe: { readonly blockMs: number; readonly readCount: number; readonly maxCatchUpQueue: number };
  readonly announce: { readonly name: string; readonly ttlMs: number } | undefined;
}

type Group<K extends keyof GatewayOptions> = Exclude<NonNullable<GatewayOptions[K]>, false>;

const KEYS = optionKeys<GatewayOptions>({
  engine: true,
  client: true,
  clientOptions: true,
  timeout: true,
  maxInFlight: true,
  maxInFlightPerIdentity: true,
  identity: true,
  bodyTimeout: true,
  engineDownAfterMs: true,
  forwardHeaders: true,
  maxTopicLength: true,
  lengthCheckIntervalMs: true,
  retryAfterSeconds: true,
  notFound: true,
  errorHandler: true,
  metrics: true,
  openapi: true,
  ws: true,
  sse: true,
  authorize: true,
  maxJsonDepth: true,
  routes: true,
  subscribe: true,
  announce: true,
});
const WS_KEYS = optionKeys<WsOptions>({ path: true, maxPayload: true, maxBufferedBytes: true, maxSubscriptions: true, maxInFlight: true, origins: true });
const SSE_KEYS = optionKeys<SseOptions>({ path: true, heartbeatMs: true, maxBufferedBytes: true });
const ANNOUNCE_KEYS = optionKeys<Group<'announce'>>({ name: true, ttlMs: true });
const OPENAPI_KEYS = optionKeys<Group<'openapi'>>({ path: true, info: true });
const OPENAPI_INFO_KEYS = optionKeys<NonNullable<Group<'openapi'>['info']>>({ title: true, version: true });
const SUBSCRIBE_KEYS = optionKeys<Group<'subscribe'>>({ blockMs: true, readCount: true, maxCatchUpQueue: true });

/** A path starting with `/`, or `fallback` when undefined. */
export function pathOption(value: unknown, name: string, fallback: string): string {
  if (value === undefined) return fallback;
  if (typeof value !== 'string' || !value.startsWith('/'))
    throw new InvalidOptionError(name, `expected a path starting with "/", got ${JSON.stringify(value)}`);
  return value;
}

function isEngine(value: unknown): value is Engine {
  const e = value as Partial<Engine> | null;
  return typeof e === 'object' && e !== null && typeof e.append === 'function' && typeof e.openReader === 'function';
}

function parseWs(value: unknown): GatewayConfig['ws'] {
  if (value === false) return undefined;
  const o = optionsObject(value ?? {}, WS_KEYS, 'ws');
  return Object.freeze({
    path: pathOption(o['path'], 'ws.path', DEFAULT_WS_PATH),
    maxPayload: intOption(o['maxPayload'], 'ws.maxPayload', DEFAULT_WS_MAX_PAYLOAD, 1),
    maxBufferedBytes: intOption(o['maxBufferedBytes'], 'ws.maxBufferedBytes', DEFAULT_MAX_BUFFERED_BYTES, 1),
    maxSubscriptions: intOption(o['maxSubscriptions'], 'ws.maxSubscriptions', DEFAULT_MAX_SUBSCRIPTIONS, 1),
    maxInFlight: intOption(o['maxInFlight'], 'ws.maxInFlight', DEFAULT_WS_MAX_IN_FLIGHT, 1),
    origins: parseOrigins(o['origins']),
  });
}

function parseSse(value: unknown): GatewayConfig['sse'] {
  if (value === false) return undefined;
  const o = optionsObject(value ?? {}, SSE_KEYS, 'sse');
  return Object.freeze({
    path: pathOption(o['path'], 'sse.path', DEFAULT_SSE_PATH).replace(/\/+$/, ''),
    heartbeatMs: intOption(o['heartbeatMs'], 'sse.heartbeatMs', DEFAULT_HEARTBEAT_MS, 1),
    maxBufferedBytes: intOption(o['maxBufferedBytes'], 'sse.maxBufferedBytes', DEFAULT_MAX_BUFFERED_BYTES, 1),
  });
}

/** Default name a gateway announces itself under. */
export const DEFAULT_GATEWAY_NAME = 'gateway';

function parseAnnounce(value: unknown): GatewayConfig['announce'] {
  if (value === false) return undefined;
  const o = optionsObject(value ?? {}, ANNOUNCE_KEYS, 'announce');
  const name = o['name'] ?? DEFAULT_GATEWAY_NAME;
  if (typeof name !== 'string' || name === '') throw new InvalidOptionError('announce.name', 'expected a non-empty string');
  return Object.freeze({ name, ttlMs: intOption(o['ttlMs'], 'announce.ttlMs', DEFAULT_REGISTRY_TTL_MS, 3) });
}

function parseOpenapi(value: unknown): GatewayConfig['openapi'] {
  if (value === false) return undefined;
  const o = optionsObject(value ?? {}, OPENAPI_KEYS, 'openapi');
  const info = o['info'] === undefined ? { title: 'Streamerson gateway', version: '1.0.0' } : optionsObject(o['info'], OPENAPI_INFO_KEYS, 'openapi.info');
  if (typeof info['title'] !== 'string' || typeof info['version'] !== 'string') {
    throw new InvalidOptionError('openapi.info', 'expected { title: string, version: string }');
  }
  return Object.freeze({
    path: pathOption(o['path'], 'openapi.path', DEFAULT_OPENAPI_PATH),
    info: Object.freeze({ title: info['title'], version: info['version'] }),
  });
}

/** Validates plugin options once; throws InvalidOptionError naming the bad option. */
export function parseGatewayOptions(input: unknown): GatewayConfig {
  const o = optionsObject(input, KEYS);
  if (!isEngine(o['engine'])) throw new InvalidOptionError('engine', 'expected an Engine (from connect(url))');
  const forward = o['forwardHeaders'] ?? DEFAULT_FORWARD_HEADERS;
  if (!Array.isArray(forward) || !forward.every((h) => typeof h === 'string' && h.length > 0)) {
    throw new InvalidOptionError('forwardHeaders', 'expected an array of header names');
  }
  const metrics = o['metrics'] === false ? undefined : pathOption(o['metrics'], 'metrics', DEFAULT_METRICS_PATH);
  if (o['authorize'] !== undefined && typeof o['authorize'] !== 'function')
    throw new InvalidOptionError('authorize', `expected a function, got ${typeof o['authorize']}`);
  if (o['identity'] !== undefined && typeof o['identity'] !== 'function')
    throw new InvalidOptionError('identity', `expected a function, got ${typeof o['identity']}`);
  if (o['notFound'] !== undefined && typeof o['notFound'] !== 'boolean') throw new InvalidOptionError('notFound', 'expected a boolean');
  if (o['errorHandler'] !== undefined && typeof o['errorHandler'] !== 'boolean') throw new InvalidOptionError('errorHandler', 'expected a boolean');
  if (o['routes'] !== undefined && !Array.isArray(o['routes'])) throw new InvalidOptionError('routes', 'expected an array of route options');
  const sub = optionsObject(o['subscribe'] ?? {}, SUBSCRIBE_KEYS, 'subscribe');
  const client = o['client'];
  if (client !== undefined && (typeof client !== 'object' || client === null || typeof (client as Client).request !== 'function')) {
    throw new InvalidOptionError('client', 'expected a Client from @streamerson/service');
  }
  return Object.freeze({
    engine: o['engine'],
    client: client as Client | undefined,
    clientOptions: Object.freeze({ ...objectOption(o['clientOptions'] ?? {}, 'clientOptions') }) as ClientOptions,
    timeout: intOption(o['timeout'], 'timeout', DEFAULT_GATEWAY_TIMEOUT_MS, 1),
    maxInFlight: intOption(o['maxInFlight'], 'maxInFlight', DEFAULT_GATEWAY_MAX_IN_FLIGHT, 1),
    maxInFlightPerIdentity: intOption(o['maxInFlightPerIdentity'], 'maxInFlightPerIdentity', DEFAULT_MAX_IN_FLIGHT_PER_IDENTITY, 1),
    identity: (o['identity'] as IdentityOf | undefined) ?? ipIdentity,
    bodyTimeout: intOption(o['bodyTimeout'], 'bodyTimeout', DEFAULT_BODY_TIMEOUT_MS, 1),
    engineDownAfterMs: intOption(o['engineDownAfterMs'], 'engineDownAfterMs', DEFAULT_ENGINE_DOWN_AFTER_MS, 0),
    forwardHeaders: Object.freeze((forward as string[]).map((h) => h.toLowerCase())),
    maxTopicLength: o['maxTopicLength'] === undefined ? undefined : intOption(o['maxTopicLength'], 'maxTopicLength', 0, 0),
    lengthCheckIntervalMs: intOption(o['lengthCheckIntervalMs'], 'lengthCheckIntervalMs', DEFAULT_LENGTH_CHECK_INTERVAL_MS, 1),
    retryAfterSeconds: intOption(o['retryAfterSeconds'], 'retryAfterSeconds', DEFAULT_RETRY_AFTER_SECONDS, 0),
    notFound: (o['notFound'] as boolean | undefined) ?? true,
    errorHandler: (o['errorHandler'] as boolean | undefined) ?? false,
    metricsPath: metrics,
    openapi: parseOpenapi(o['openapi']),
    ws: parseWs(o['ws']),
    sse: parseSse(o['sse']),
    authorize: o['authorize'] as AuthorizeHook | undefined,
    maxJsonDepth: intOption(o['maxJsonDepth'], 'maxJsonDepth', DEFAULT_MAX_JSON_DEPTH, 1),
    routes: Object.freeze([...((o['routes'] as GatewayRouteOptions[] | undefined) ?? [])]),
    subscribe: Object.freeze({
      blockMs: intOption(sub['blockMs'], 'subscribe.blockMs', DEFAULT_SUBSCRIBE_BLOCK_MS, 1),
      readCount: intOption(sub['readCount'], 'subscribe.readCount', DEFAULT_SUBSCRIBE_READ_COUNT, 1),
      maxCatchUpQueue: intOption(sub['maxCatchUpQueue'], 'subscribe.maxCatchUpQueue', DEFAULT_MAX_CATCH_UP_QUEUE, 1),
    }),
    announce: parseAnnounce(o['announce']),
  });
}
