/**
 * Watches the commands a test server runs (`MONITOR`), with the connection
 * that sent each: for tests that check how commands travel, not only what
 * they do. Keeps a bounded number of commands.
 */
import { connect } from 'node:net';
import { encodeCommand } from './resp.js';

/** Commands a {@link RedisMonitor} keeps; later ones are counted in `dropped`. */
export const DEFAULT_MONITOR_LIMIT = 10_000;
/** Deadline for the server to confirm `MONITOR`. */
const MONITOR_START_TIMEOUT_MS = 2_000;

/** One command as the server reports it. */
export interface MonitoredCommand {
  /** The sending connection, `host:port` as the server sees it. */
  readonly source: string;
  /** Command name, lower case. */
  readonly name: string;
  /** The arguments after the name, unescaped only of `\"` and `\\`. */
  readonly args: readonly string[];
}

/** A running `MONITOR` connection. */
export interface RedisMonitor {
  /** Commands seen so far, in the order the server ran them. */
  readonly commands: readonly MonitoredCommand[];
  /** Commands seen past the limit and not kept. */
  readonly dropped: number;
  /** Closes the connection. Idempotent. */
  stop(): void;
}

/** Options of {@link monitorRedis}. */
export interface MonitorOptions {
  readonly host?: string;
  /** Most commands kept; default {@link DEFAULT_MONITOR_LIMIT}. */
  readonly limit?: number;
}

const LINE = /^\+\d+\.\d+ \[\d+ ([^\]]+)\] (.*)$/;
const QUOTED = /"((?:[^"\\]|\\.)*)"/g;

/** Parses one MONITOR line (`+<time> [<db> <source>] "<name>" "<arg>" …`); undefined for anything else. */
export function parseMonitorLine(line: string): MonitoredCommand | undefined {
  const m = LINE.exec(line);
  if (m === null) return undefined;
  const words = [...m[2]!.matchAll(QUOTED)].map((q) => q[1]!.replace(/\\(["\\])/g, '$1'));
  if (words.length === 0) return undefined;
  return { source: m[1]!, name: words[0]!.toLowerCase(), args: words.slice(1) };
}

/** Starts watching the server on `port`; resolves once the server confirmed `MONITOR`. */
export function monitorRedis(port: number, options: MonitorOptions = {}): Promise<RedisMonitor> {
  const limit = options.limit ?? DEFAULT_MONITOR_LIMIT;
  const commands: MonitoredCommand[] = [];
  let dropped = 0;
  let pending = '';
  const socket = connect({ host: options.host ?? '127.0.0.1', port });
  const monitor: RedisMonitor = {
    commands,
    get dropped() {
      return dropped;
    },
    stop: () => socket.destroy(),
  };
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => fail(new Error(`MONITOR not confirmed by port ${port} within ${MONITOR_START_TIMEOUT_MS} ms`)), MONITOR_START_TIMEOUT_MS);
    let started = false;
    const fail = (err: Error): void => {
      clearTimeout(timer);
      socket.destroy();
      reject(err);
    };
    socket.on('connect', () => socket.write(encodeCommand(['MONITOR'])));
    socket.on('error', (err) => {
      if (!started) fail(err);
    });
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => {
      const lines = (pending + chunk).split('\r\n');
      pending = lines.pop()!;
      for (const line of lines) {
        if (!started) {
          if (line !== '+OK') return fail(new Error(`MONITOR refused: ${line}`));
          started = true;
          clearTimeout(timer);
          resolve(monitor);
          continue;
        }
        const command = parseMonitorLine(line);
        if (command === undefined) continue;
        if (commands.length < limit) commands.push(command);
        else dropped++;
      }
    });
  });
}
