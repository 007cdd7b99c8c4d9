/**
 * The child side of the bench's IPC: report ready, answer CPU/handled
 * queries, stop on request. Shared by every worker and server script.
 */
import { fromCpuUsage, type CpuTime } from '../cpu-time.js';

/** Parent to child. */
export type ParentMessage = { readonly type: 'query'; readonly seq: number; readonly report?: boolean } | { readonly type: 'stop' };

/** What a child reports once it serves. */
export interface ChildReady {
  readonly type: 'ready';
  /** TCP port, for HTTP servers. */
  readonly port?: number;
}

/** Answer to a query. */
export interface ChildQueryReply {
  readonly seq: number;
  /** Cumulative CPU time of the child. */
  readonly cpu: CpuTime;
  readonly handled: number;
  /** Resident set size of the child, bytes (`process.memoryUsage().rss`). */
  readonly rssBytes: number;
  /** V8 heap in use by the child, bytes (`process.memoryUsage().heapUsed`). */
  readonly heapUsedBytes: number;
  /** The child's own report, when the query asked for it (see {@link ChildControl.report}). */
  readonly report?: unknown;
}

/** What a child script exposes to the parent. */
export interface ChildControl {
  /** Messages or requests handled so far. */
  handled(): number;
  /** Releases the child's resources; the process exits afterwards. */
  stop(): Promise<void>;
  /** What the child measured since its last report (e.g. latencies), for children that measure; JSON-serializable. */
  report?(): unknown;
}

/** Reports ready to the parent and serves its queries until it asks to stop (or goes away). */
export function serveParent(control: ChildControl, ready: Omit<ChildReady, 'type'> = {}): void {
  const send = process.send?.bind(process);
  if (send === undefined) throw new Error('a bench child must be started with an IPC channel');
  const exit = (): void => {
    control.stop().finally(() => process.exit(0));
  };
  process.on('message', (msg: ParentMessage) => {
    if (msg.type === 'stop') return exit();
    const memory = process.memoryUsage();
    const reply: ChildQueryReply = {
      seq: msg.seq,
      cpu: fromCpuUsage(process.cpuUsage()),
      handled: control.handled(),
      rssBytes: memory.rss,
      heapUsedBytes: memory.heapUsed,
      ...(msg.report === true ? { report: control.report?.() ?? null } : {}),
    };
    send(reply);
  });
  // An orphan must not linger when the bench dies.
  process.on('disconnect', exit);
  send({ type: 'ready', ...ready } satisfies ChildReady);
}
