import { isAbsolute, resolve } from 'node:path';

/**
 * Resolves a raw campaign config's file paths (a replay's `feed.path` and `feed.sources[].path`,
 * a live feed's `feed.record`) against the folder of the config file that names them, as a user expects of a path written in
 * a file (`../shared/cases/case12.yaml` names `case12-seconds-ts.csv` beside it). Works on the
 * raw object, before validation; returns a copy, anything else untouched. Configs that do not
 * come from a file (API bodies) keep their paths as given.
 */
export function resolveFeedPaths(raw: unknown, configDir: string): unknown {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) return raw;
  const config = raw as Record<string, unknown>;
  const feed = config.feed as Record<string, unknown> | undefined;
  if (typeof feed !== 'object' || feed === null || (feed.kind !== 'replay' && feed.kind !== 'live')) return raw;
  const fix = (p: unknown): unknown => (typeof p === 'string' && p !== '' && !isAbsolute(p) ? resolve(configDir, p) : p);
  const resolved: Record<string, unknown> = { ...feed };
  if (feed.kind === 'live') {
    if (feed.record !== undefined) resolved.record = fix(feed.record);
    return { ...config, feed: resolved };
  }
  if (feed.path !== undefined) resolved.path = fix(feed.path);
  if (Array.isArray(feed.sources)) {
    resolved.sources = feed.sources.map((s: unknown) =>
      typeof s === 'object' && s !== null ? { ...(s as Record<string, unknown>), path: fix((s as Record<string, unknown>).path) } : s,
    );
  }
  return { ...config, feed: resolved };
}
