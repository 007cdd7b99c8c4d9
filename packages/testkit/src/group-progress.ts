/** A group as `Engine.info` of `@streamerson/core` reports it, as far as {@link acknowledgedCount} reads it. */
interface GroupProgress {
  readonly name: string;
  readonly lag: number | null;
  readonly pending: number;
}

/** What {@link acknowledgedCount} reads of a stream: `Engine.info` of `@streamerson/core`, structurally (null: no such stream). */
export interface StreamInfoSource {
  info(stream: string): Promise<{ readonly length: number; readonly groups: readonly GroupProgress[] } | null>;
}

/**
 * Entries of `stream` that `group` has acknowledged: delivered (the stream's
 * length less the group's lag) less those still pending. 0 when the stream or
 * group does not exist, or when the lag is unknown (after deletions inside
 * the stream), so that a check built on it fails rather than over-counts.
 */
export async function acknowledgedCount(engine: StreamInfoSource, stream: string, group: string): Promise<number> {
  const info = await engine.info(stream);
  const g = info?.groups.find((x) => x.name === group);
  if (info === null || g === undefined || g.lag === null) return 0;
  return info.length - g.lag - g.pending;
}
