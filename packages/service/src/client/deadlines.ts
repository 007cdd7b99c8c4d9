/**
 * The timeouts of a client's requests on one timer. Requests with the same
 * timeout expire in the order they were sent, so each timeout value keeps its
 * requests in a Map in insertion order (a lane) and the timer is set for the
 * earliest head of a lane. Adding and removing a request costs a Map entry
 * instead of a timer of its own. Sizes are bounded by the requests in flight.
 */
export class Deadlines {
  /** Timeout in ms → request id → when it expires (`performance.now()` ms: monotonic, as timers are), in sending order. */
  private readonly lanes = new Map<number, Map<string, number>>();
  private timer: NodeJS.Timeout | undefined;
  /** When {@link timer} fires; Infinity without a timer. */
  private timerAt = Infinity;

  /** `expire` is called once per request whose time ran out before it was removed. */
  constructor(private readonly expire: (id: string) => void) {}

  /** Starts the clock of request `id`: it expires `timeoutMs` from now unless removed first. */
  add(id: string, timeoutMs: number): void {
    const at = performance.now() + timeoutMs;
    let lane = this.lanes.get(timeoutMs);
    if (lane === undefined) {
      lane = new Map();
      this.lanes.set(timeoutMs, lane);
    }
    lane.set(id, at);
    if (at < this.timerAt) this.arm(at);
  }

  /** Stops the clock of request `id` (sent with `timeoutMs`). The timer stays; when it fires it finds nothing due and is set again or not at all. */
  remove(id: string, timeoutMs: number): void {
    const lane = this.lanes.get(timeoutMs);
    if (lane === undefined || !lane.delete(id)) return;
    if (lane.size === 0) this.lanes.delete(timeoutMs);
    if (this.lanes.size === 0) this.stop();
  }

  private arm(at: number): void {
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timerAt = at;
    this.timer = setTimeout(this.fire, Math.max(1, Math.ceil(at - performance.now())));
  }

  private stop(): void {
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
    this.timerAt = Infinity;
  }

  private readonly fire = (): void => {
    this.timer = undefined;
    this.timerAt = Infinity;
    const now = performance.now();
    const due: string[] = [];
    let next = Infinity;
    for (const [timeoutMs, lane] of this.lanes) {
      for (const [id, at] of lane) {
        if (at > now) {
          next = Math.min(next, at);
          break;
        }
        lane.delete(id);
        due.push(id);
      }
      if (lane.size === 0) this.lanes.delete(timeoutMs);
    }
    if (next !== Infinity) this.arm(next);
    for (const id of due) this.expire(id);
  };
}
