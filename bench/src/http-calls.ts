/**
 * The two HTTP calls of the gateway path, served by every HTTP target:
 * `GET /hello` answered with `{"hello":"world"}` (no request body: the hop
 * itself is measured), and `POST /echo` answered with the JSON body it got
 * (a ~100 B record both ways: the hop plus parsing and writing a body).
 */

/** One HTTP call the load generator repeats, and the body every answer must have. */
export interface HttpCall {
  readonly method: 'GET' | 'POST';
  readonly path: string;
  /** JSON request body; none for GET. */
  readonly body?: string;
  /** The exact response body expected. */
  readonly expect: string;
}

/** Path of the constant answer. */
export const HELLO_PATH = '/hello';
/** The constant answer, as every target's handler returns it. */
export const HELLO_REPLY = Object.freeze({ hello: 'world' });
/** Path of the echoed body. */
export const ECHO_PATH = '/echo';

/** `GET /hello` → `{"hello":"world"}`. */
export const HELLO_CALL: HttpCall = Object.freeze({ method: 'GET', path: HELLO_PATH, expect: JSON.stringify(HELLO_REPLY) });

/** `POST /echo` of `body` → the same body. */
export function echoCall(body: string): HttpCall {
  return Object.freeze({ method: 'POST', path: ECHO_PATH, body, expect: body });
}

/** `GET /hello` or `POST /echo`, as the report names it. */
export function describeCall(call: HttpCall): string {
  return `${call.method} ${call.path}`;
}
