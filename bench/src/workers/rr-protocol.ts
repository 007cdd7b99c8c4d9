/**
 * The raw request/reply baseline's entry format, as a user of plain ioredis
 * would hard-code it (`minimal`): requests `XADD <topic> * i <id> r <reply stream> p <json>`,
 * replies `XADD <reply stream> * i <id> p <json>`.
 */
import { HELLO_PATH } from '../http-calls.js';

/** Consumer group of both request/reply workers (ours uses it as the service name). */
export const RR_GROUP = 'bench-rr';
/** Message type our client sends and our worker handles. */
export const RR_TYPE = 'echo';
/** Message type of the gateway's `POST /echo` route; our worker answers the HTTP body. */
export const GATEWAY_TYPE = 'http-echo';
/** Message type of `scale`'s `POST /echo` route whose handler does CPU work before it answers the body (see `rr-worker.ts`). */
export const GATEWAY_WORK_TYPE = 'http-work';
/** Message type of the gateway's `GET /hello` route; our worker answers `{"hello":"world"}`. */
export const GATEWAY_HELLO_TYPE = 'http-hello';
/** The payload the hand-written streams gateway sends for `GET /hello`; the raw worker answers it with `{"hello":"world"}`. */
export const RAW_HELLO_REQUEST = Object.freeze({ method: 'GET', path: HELLO_PATH });

/** Whether a raw request payload is {@link RAW_HELLO_REQUEST} (else the raw worker echoes it). */
export function isRawHello(payload: unknown): boolean {
  return typeof payload === 'object' && payload !== null && (payload as { path?: unknown }).path === HELLO_PATH;
}
/** Index of the request id, reply stream and payload in a raw request's field list. */
export const RAW_REQUEST_ID = 1;
export const RAW_REQUEST_REPLY_TO = 3;
export const RAW_REQUEST_PAYLOAD = 5;
/** Index of the request id and payload in a raw reply's field list. */
export const RAW_REPLY_ID = 1;
export const RAW_REPLY_PAYLOAD = 3;
/**
 * Entry formats of the raw request/reply baselines: `minimal` (above), or
 * `protocol`: the entries our Client and Service write, hard-coded —
 * requests `XADD <topic> * v 1 i <id> t <type> r <reply stream> h {"deadline":"<ms>"} p <json>`,
 * replies `XADD <reply stream> NOMKSTREAM * v 1 i <id> p <json>`.
 */
export type RawRrFormat = 'minimal' | 'protocol';
/** Field names of a protocol-format request and reply, in order. */
export const PROTOCOL_REQUEST_NAMES = Object.freeze(['v', 'i', 't', 'r', 'h', 'p']);
export const PROTOCOL_REPLY_NAMES = Object.freeze(['v', 'i', 'p']);
/** Index of each value in a protocol-format request's and reply's field list. */
export const PROTOCOL_REQUEST_VERSION = 1;
export const PROTOCOL_REQUEST_ID = 3;
export const PROTOCOL_REQUEST_TYPE = 5;
export const PROTOCOL_REQUEST_REPLY_TO = 7;
export const PROTOCOL_REQUEST_HEADERS = 9;
export const PROTOCOL_REQUEST_PAYLOAD = 11;
export const PROTOCOL_REPLY_ID = 3;
export const PROTOCOL_REPLY_PAYLOAD = 5;
/** Time a raw blocking read waits, which bounds how fast a raw worker or client stops. */
export const RAW_BLOCK_MS = 1_000;
