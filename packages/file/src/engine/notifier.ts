import { closeSync, constants, mkdirSync, openSync, watch, writeSync, type FSWatcher } from 'node:fs';
import { join } from 'node:path';
import { fnv1a32 } from '@streamerson/core';
import type { Waiter, WaiterSet } from '@streamerson/core/internal';

/** Notification files of a store; a stream's appends touch the file of its bucket. */
export const NOTIFY_BUCKETS = 64;

/** Name of the folder of notification files inside a store's directory. */
export const NOTIFY_DIR = 'notify';

const ONE_BYTE = Buffer.from([0x2a]);

function bucketOf(stream: string): number {
  return fnv1a32(stream) % NOTIFY_BUCKETS;
}

function bucketName(bucket: number): string {
  return String(bucket).padStart(2, '0');
}

/**
 * How blocked reads learn of appends, in this process and in others. After a
 * write transaction commits, the writer wakes this process's waiters directly
 * and writes one byte at offset 0 of the notification file of each stream's
 * bucket (`notify/00` … `notify/63`, each one byte long forever). Every process
 * with blocked readers watches the folder (inotify on Linux, through
 * `fs.watch`) and wakes the waiters of the bucket named by the event, which
 * then re-run their read. Readers also re-check on a slow timer, so a
 * notification lost by the file system delays a read, never loses it.
 *
 * A process is notified of its own writes too, whose waiters it already woke.
 * The event carries no writer, and the file's content cannot say for sure (the
 * OS merges events on one file, and another process's write between two of
 * ours would be hidden), so the notifier asks the database instead: SQLite's
 * `data_version` changes exactly when another connection committed. An event
 * on a bucket wakes its waiters only when the version differs from the one
 * its last wake-up saw; the version is read after the event, and the other
 * process writes the file after its commit, so no commit of another process
 * goes unseen.
 */
export class Notifier implements WaiterSet {
  private readonly dir: string;
  private readonly byBucket = new Map<number, Set<Waiter>>();
  private readonly fds = new Map<number, number>();
  /** The `data_version` each bucket's last wake-up by an event saw (at most {@link NOTIFY_BUCKETS}). */
  private readonly seenVersion = new Map<number, number>();
  private watcher: FSWatcher | undefined;
  private watchers = 0;

  /** `dataVersion` reads SQLite's `data_version` on the store's connection. */
  constructor(
    storeDir: string,
    private readonly dataVersion: () => number,
  ) {
    this.dir = join(storeDir, NOTIFY_DIR);
    mkdirSync(this.dir, { recursive: true });
  }

  /** Starts watching the folder (once per process and store); pair with {@link unwatch}. */
  watch(): void {
    if (this.watchers++ > 0) return;
    this.watcher = watch(this.dir, { persistent: false }, (_event, filename) => {
      const bucket = filename === null ? NaN : Number(filename);
      if (Number.isInteger(bucket)) this.wakeOnEvent(bucket);
      else for (const b of this.byBucket.keys()) this.wakeOnEvent(b);
    });
    // A failing watch leaves the readers' timer to find appends.
    this.watcher.on('error', () => this.stopWatching());
  }

  unwatch(): void {
    if (this.watchers === 0 || --this.watchers > 0) return;
    this.stopWatching();
  }

  private stopWatching(): void {
    this.watcher?.close();
    this.watcher = undefined;
  }

  add(waiter: Waiter): void {
    for (const stream of waiter.streams) {
      const bucket = bucketOf(stream);
      let set = this.byBucket.get(bucket);
      if (set === undefined) {
        set = new Set();
        this.byBucket.set(bucket, set);
      }
      set.add(waiter);
    }
  }

  remove(waiter: Waiter): void {
    for (const stream of waiter.streams) {
      const bucket = bucketOf(stream);
      const set = this.byBucket.get(bucket);
      if (set === undefined) continue;
      set.delete(waiter);
      if (set.size === 0) this.byBucket.delete(bucket);
    }
  }

  /** Tells every process that `streams` changed; call after the transaction committed. */
  signal(streams: Iterable<string>): void {
    const buckets = new Set<number>();
    for (const stream of streams) buckets.add(bucketOf(stream));
    for (const bucket of buckets) {
      this.wakeBucket(bucket);
      writeSync(this.fd(bucket), ONE_BYTE, 0, 1, 0);
    }
  }

  private fd(bucket: number): number {
    let fd = this.fds.get(bucket);
    if (fd === undefined) {
      fd = openSync(join(this.dir, bucketName(bucket)), constants.O_WRONLY | constants.O_CREAT, 0o644);
      this.fds.set(bucket, fd);
    }
    return fd;
  }

  /** Wakes a bucket's waiters on a file event, unless no other connection committed since its last one. */
  private wakeOnEvent(bucket: number): void {
    if (!this.byBucket.has(bucket)) return;
    const version = this.dataVersion();
    if (this.seenVersion.get(bucket) === version) return;
    this.seenVersion.set(bucket, version);
    this.wakeBucket(bucket);
  }

  private wakeBucket(bucket: number): void {
    const set = this.byBucket.get(bucket);
    if (set === undefined) return;
    for (const waiter of set) waiter.wake();
  }

  /** Closes files and the watch; the store is going away. */
  close(): void {
    this.stopWatching();
    this.watchers = 0;
    for (const fd of this.fds.values()) closeSync(fd);
    this.fds.clear();
  }
}
