/**
 * The report's charts as data: per-shard time series from heartbeat history, the latency
 * histogram and the restart timeline. Renderers draw these and compute nothing of their own.
 */
import { RestartCauseSchema, SHARD_STATUS_EVENT, type Heartbeat, type LifecycleEvent, type ShardRecord } from '../model/records.js';
import { MAX_SERIES_POINTS, type LatencyBucket, type SeriesPoint, type ShardSeries, type TimelineEvent } from './report-schema.js';
import { secondsSinceStart, type RunWindow } from './run-window.js';

/** How downsampling merges heartbeats: stated in every report's `notes`. */
export const SERIES_RULE =
  `Series: one point per heartbeat (time = when the store received it); above ${MAX_SERIES_POINTS} points a shard's ` +
  "heartbeats are merged in consecutive groups: ticks/s averaged, trades as at the group's end, RSS and latency the highest.";

/** A shard's series, downsampled to at most `maxPoints`. */
export function shardSeriesOf(shardId: string, history: readonly Heartbeat[], window: RunWindow, maxPoints = MAX_SERIES_POINTS): ShardSeries {
  const points = history.map((h) => pointOf(h, window));
  return { shardId, points: points.length <= maxPoints ? points : downsample(points, maxPoints) };
}

/** Bucket edges in µs, 1-2-5 per decade from 1 µs to 1 s; values from the last edge on go in an open bucket. */
const HISTOGRAM_EDGES_US = [0, ...[1, 10, 100, 1_000, 10_000, 100_000].flatMap((d) => [d, 2 * d, 5 * d]), 1_000_000];

/** Heartbeats counted by the p99 each reported, over all shards; empty buckets at either end trimmed. */
export function latencyHistogramOf(histories: Iterable<readonly Heartbeat[]>): LatencyBucket[] {
  const buckets: LatencyBucket[] = HISTOGRAM_EDGES_US.map((fromUs, i) => ({ fromUs, toUs: HISTOGRAM_EDGES_US[i + 1] ?? null, count: 0 }));
  for (const history of histories) {
    for (const h of history) {
      const value = h.progress.latencyP99Us;
      const bucket = buckets.find((b) => b.toUs === null || value < b.toUs) as LatencyBucket;
      bucket.count++;
    }
  }
  const first = buckets.findIndex((b) => b.count > 0);
  if (first < 0) return [];
  const last = buckets.findLastIndex((b) => b.count > 0);
  return buckets.slice(first, last + 1);
}

/** Restarts (at their `failedAt`) and shards that FAILED (from lifecycle events), in time order. */
export function restartTimelineOf(shards: readonly ShardRecord[], events: readonly LifecycleEvent[], window: RunWindow): TimelineEvent[] {
  const restarts: TimelineEvent[] = shards.flatMap((s) =>
    s.restarts.map((r) => ({
      t: round(secondsSinceStart(window, r.failedAt)),
      shardId: s.shardId,
      kind: 'restart' as const,
      cause: r.cause,
      downtimeSec: r.downtimeSec ?? null,
    })),
  );
  const failures: TimelineEvent[] = events
    .filter((e) => e.type === SHARD_STATUS_EVENT && e.to === 'FAILED' && e.shardId !== undefined)
    .map((e) => {
      const cause = RestartCauseSchema.safeParse(e.cause);
      return {
        t: round(secondsSinceStart(window, e.at)),
        shardId: e.shardId as string,
        kind: 'failed' as const,
        cause: cause.success ? cause.data : null,
        downtimeSec: null,
      };
    });
  return [...restarts, ...failures].sort((a, b) => a.t - b.t || a.shardId.localeCompare(b.shardId));
}

function pointOf(h: Heartbeat, window: RunWindow): SeriesPoint {
  const p = h.progress;
  return {
    t: round(secondsSinceStart(window, h.receivedAt)),
    generation: h.generation,
    ticksPerSec: p.ticksPerSec,
    trades: p.trades,
    rssBytes: p.rssBytes,
    latencyP99Us: p.latencyP99Us,
  };
}

function downsample(points: readonly SeriesPoint[], maxPoints: number): SeriesPoint[] {
  const out: SeriesPoint[] = [];
  for (let k = 0; k < maxPoints; k++) {
    const group = points.slice(Math.floor((k * points.length) / maxPoints), Math.floor(((k + 1) * points.length) / maxPoints));
    const last = group.at(-1);
    if (!last) continue;
    out.push({
      t: last.t,
      generation: last.generation,
      ticksPerSec: round(group.reduce((sum, p) => sum + p.ticksPerSec, 0) / group.length),
      trades: last.trades,
      rssBytes: Math.max(...group.map((p) => p.rssBytes)),
      latencyP99Us: Math.max(...group.map((p) => p.latencyP99Us)),
    });
  }
  return out;
}

function round(v: number): number {
  return Math.round(v * 1000) / 1000;
}
