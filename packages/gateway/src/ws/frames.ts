/**
 * WebSocket frames (docs/GATEWAY.md): JSON text, one object per frame. Parsing
 * never throws; a malformed frame becomes a failure answered with an error frame.
 */
import { IDEMPOTENCY_KEY_HEADER, isStreamId, MAX_TOPIC_LENGTH, validateTopic, type Headers } from '@streamerson/core';
import { failure, type GatewayFailure } from '../errors.js';
import { ROUTE_METHODS } from '../http/route-options.js';
import { deeperThan, tooDeepMessage } from '../json-depth.js';
import { traceContext } from '../http/message-headers.js';

/** A client-chosen id echoed in the answer. */
export type FrameId = string | number;

export type ClientFrame =
  | {
      readonly op: 'request';
      readonly id: FrameId;
      readonly topic: string;
      readonly type: string;
      readonly payload: unknown;
      readonly timeout: number | undefined;
      readonly trace: Headers | undefined;
    }
  | { readonly op: 'route'; readonly id: FrameId; readonly method: string; readonly url: string; readonly body: unknown; readonly headers: Headers | undefined }
  | {
      readonly op: 'publish';
      readonly id: FrameId | undefined;
      readonly topic: string;
      readonly type: string;
      readonly payload: unknown;
      readonly trace: Headers | undefined;
    }
  | { readonly op: 'subscribe'; readonly id: FrameId | undefined; readonly topic: string; readonly from: string | undefined }
  | { readonly op: 'unsubscribe'; readonly id: FrameId | undefined; readonly topic: string };

/** A malformed frame: the failure, and the frame's id when one could be read. */
export interface BadFrame {
  readonly bad: GatewayFailure;
  readonly id: FrameId | undefined;
}

/** Longest client-chosen id echoed back. */
const MAX_ID_LENGTH = 128;
/** Longest request target of a route request. */
const MAX_URL_LENGTH = 2_048;
/** A request target as HTTP carries it: `/`, then visible ASCII other than `\` (percent-encode the rest). */
const TARGET = /^\/[!-[\]-~]*$/;
/** Longest message type accepted. */
const MAX_TYPE_LENGTH = MAX_TOPIC_LENGTH;

const bad = (message: string, id?: FrameId): BadFrame => ({ bad: failure(400, 'ERR_STREAMERSON_BAD_REQUEST', message), id });

function frameId(value: unknown): FrameId | undefined | null {
  if (value === undefined) return undefined;
  if (typeof value === 'number' && Number.isFinite(value)) return value;
  if (typeof value === 'string' && value.length <= MAX_ID_LENGTH) return value;
  return null;
}

export function parseFrame(data: Buffer | ArrayBuffer | Buffer[], isBinary: boolean, maxDepth: number): ClientFrame | BadFrame {
  if (isBinary) return bad('frames are JSON text');
  let value: unknown;
  try {
    value = JSON.parse(Array.isArray(data) ? Buffer.concat(data).toString() : Buffer.from(data as Buffer).toString());
  } catch {
    return bad('frame is not valid JSON');
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return bad('frame is not a JSON object');
  const f = value as Record<string, unknown>;
  const id = frameId(f['id']);
  if (id === null) return bad(`"id" must be a number or a string of at most ${MAX_ID_LENGTH} characters`);
  if (deeperThan(f['payload'], maxDepth) || deeperThan(f['body'], maxDepth)) return bad(tooDeepMessage(maxDepth), id);
  const op = f['op'];
  if (op === 'request' && f['route'] !== undefined) return routeFrame(f, id);
  if (op !== 'request' && op !== 'publish' && op !== 'subscribe' && op !== 'unsubscribe')
    return bad('"op" must be request, publish, subscribe or unsubscribe', id);
  let topic: string;
  try {
    topic = validateTopic(f['topic']);
  } catch {
    return bad(`"topic" must be 1-${MAX_TOPIC_LENGTH} characters of letters, digits and "_ . : / -"`, id);
  }
  if (op === 'subscribe') {
    const from = f['from'];
    if (from !== undefined && (typeof from !== 'string' || !isStreamId(from))) return bad('"from" must be a stream entry id <ms>-<seq>', id);
    return { op, id, topic, from };
  }
  if (op === 'unsubscribe') return { op, id, topic };
  const type = f['type'] === undefined ? '' : f['type'];
  if (typeof type !== 'string' || type.length > MAX_TYPE_LENGTH) return bad(`"type" must be a string of at most ${MAX_TYPE_LENGTH} characters`, id);
  const payload = f['payload'] ?? null;
  // An invalid trace context is ignored, as W3C Trace Context says.
  const trace = traceContext(f['traceparent'], f['tracestate']);
  if (op === 'publish') return { op, id, topic, type, payload, trace };
  if (id === undefined) return bad('a request needs an "id"');
  const timeout = f['timeout'];
  if (timeout !== undefined && (typeof timeout !== 'number' || !Number.isInteger(timeout) || timeout < 1))
    return bad('"timeout" must be a positive integer (ms)', id);
  return { op, id, topic, type, payload, timeout, trace };
}

/** `{op:'request', id, route:'METHOD /url', body?}`: an HTTP route of the gateway, over the socket. */
function routeFrame(f: Record<string, unknown>, id: FrameId | undefined): ClientFrame | BadFrame {
  if (id === undefined) return bad('a request needs an "id"');
  const route = f['route'];
  const space = typeof route === 'string' ? route.indexOf(' ') : -1;
  if (typeof route !== 'string' || space === -1 || route.length > MAX_URL_LENGTH) return bad('"route" must be "<METHOD> /path?query"', id);
  const method = route.slice(0, space).toUpperCase();
  const url = route.slice(space + 1);
  if (!(ROUTE_METHODS as readonly string[]).includes(method)) return bad(`the method of "route" must be one of ${ROUTE_METHODS.join(', ')}`, id);
  if (!TARGET.test(url)) return bad('the path of "route" must start with "/" and be visible ASCII without "\\" (percent-encode the rest)', id);
  const key = f['idempotencyKey'];
  if (key !== undefined && typeof key !== 'string') return bad('"idempotencyKey" must be a string', id);
  const trace = traceContext(f['traceparent'], f['tracestate']);
  const headers = key === undefined ? trace : { ...trace, [IDEMPOTENCY_KEY_HEADER]: key };
  return { op: 'route', id, method, url, body: f['body'], headers };
}

export function isBadFrame(frame: ClientFrame | BadFrame): frame is BadFrame {
  return 'bad' in frame;
}
