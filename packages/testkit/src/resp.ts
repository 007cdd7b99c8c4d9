import { connect } from 'node:net';

/** A decoded RESP2 reply: simple/bulk strings as text, integers, nil, arrays. */
export type RespValue = string | number | null | RespValue[];

/** Default deadline of {@link redisCommand}. */
export const DEFAULT_COMMAND_TIMEOUT_MS = 2_000;

/** Options of {@link redisCommand}. */
export interface RedisCommandOptions {
  /** Host to connect to; default `127.0.0.1`. */
  readonly host?: string;
  /** Deadline for connect + reply; default {@link DEFAULT_COMMAND_TIMEOUT_MS}. */
  readonly timeoutMs?: number;
  /** Sent with `AUTH` before the command when the server requires a password; default none. */
  readonly password?: string;
}

/** Encodes one command as a RESP array of bulk strings. */
export function encodeCommand(args: readonly (string | Buffer)[]): Buffer {
  const parts: Buffer[] = [Buffer.from(`*${args.length}\r\n`)];
  for (const arg of args) {
    const bytes = typeof arg === 'string' ? Buffer.from(arg) : arg;
    parts.push(Buffer.from(`$${bytes.length}\r\n`), bytes, Buffer.from('\r\n'));
  }
  return Buffer.concat(parts);
}

class Incomplete {}
const INCOMPLETE = new Incomplete();

interface Parsed {
  readonly value: RespValue | Error;
  readonly end: number;
}

function parseAt(buf: Buffer, start: number): Parsed | Incomplete {
  const lineEnd = buf.indexOf('\r\n', start);
  if (lineEnd === -1) return INCOMPLETE;
  const type = String.fromCharCode(buf[start] ?? 0);
  const line = buf.toString('utf8', start + 1, lineEnd);
  const next = lineEnd + 2;
  switch (type) {
    case '+':
      return { value: line, end: next };
    case '-':
      return { value: new Error(line), end: next };
    case ':':
      return { value: Number(line), end: next };
    case '$': {
      const len = Number(line);
      if (len < 0) return { value: null, end: next };
      if (buf.length < next + len + 2) return INCOMPLETE;
      return { value: buf.toString('utf8', next, next + len), end: next + len + 2 };
    }
    case '*': {
      const len = Number(line);
      if (len < 0) return { value: null, end: next };
      const items: RespValue[] = [];
      let pos = next;
      for (let i = 0; i < len; i++) {
        const item = parseAt(buf, pos);
        if (item instanceof Incomplete) return INCOMPLETE;
        // A nested error (for example in EXEC) is kept as its message.
        items.push(item.value instanceof Error ? item.value.message : item.value);
        pos = item.end;
      }
      return { value: items, end: pos };
    }
    default:
      return { value: new Error(`unexpected RESP type byte ${JSON.stringify(type)}`), end: buf.length };
  }
}

/**
 * Sends one command to a Redis server over a fresh socket and resolves with the
 * decoded reply; an error reply rejects with its message. For assertions and
 * readiness checks that must not depend on a client library.
 */
export function redisCommand(port: number, args: readonly (string | Buffer)[], options: RedisCommandOptions = {}): Promise<RespValue> {
  const host = options.host ?? '127.0.0.1';
  const timeoutMs = options.timeoutMs ?? DEFAULT_COMMAND_TIMEOUT_MS;
  return new Promise((resolve, reject) => {
    const socket = connect({ host, port });
    let received = Buffer.alloc(0);
    const timer = setTimeout(() => finish(new Error(`no reply from ${host}:${port} within ${timeoutMs} ms`)), timeoutMs);
    const finish = (result: RespValue | Error): void => {
      clearTimeout(timer);
      socket.destroy();
      if (result instanceof Error) reject(result);
      else resolve(result);
    };
    const auth = options.password === undefined ? undefined : encodeCommand(['AUTH', options.password]);
    socket.on('connect', () => socket.write(auth === undefined ? encodeCommand(args) : Buffer.concat([auth, encodeCommand(args)])));
    socket.on('data', (chunk) => {
      received = Buffer.concat([received, chunk]);
      let parsed = parseAt(received, 0);
      if (auth !== undefined && !(parsed instanceof Incomplete)) {
        // The AUTH reply comes first: an error there is the answer; else read on.
        if (parsed.value instanceof Error) return finish(parsed.value);
        parsed = parseAt(received, parsed.end);
      }
      if (!(parsed instanceof Incomplete)) finish(parsed.value);
    });
    socket.on('error', (err) => finish(err));
    socket.on('close', () => finish(new Error(`connection to ${host}:${port} closed before a reply`)));
  });
}
