import { isAbsolute, resolve } from 'node:path';

/**
 * Resolves a raw campaign config's file paths (a replay's `feed.path` and `feed.sources[].path`,
 * a live feed's `feed.record`) against the folder of the config file that names them, as a user expects of a path written in
 * a file (`../shared/cases/case12.yaml` names `case12-seconds-ts.csv` beside it). A command
 * engine's working directory too (`engine.cwd`, docs/task-protocol.md): a relative one resolves
 * against that folder, and none given is that folder, so `command: [python3, myeng.py]` runs the
 * `myeng.py` beside the config whatever the shell's folder. Works on the
 * raw object, before validation; returns a copy, anything else untouched. Configs that do not
 * come from a file (API bodies, the AWS path) keep their paths as given.
 */
export function resolveFeedPaths(raw: unknown, configDir: string): unknown {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) return raw;
  const fix = (p: unknown): unknown => (typeof p === 'string' && p !== '' && !isAbsolute(p) ? resolve(configDir, p) : p);
  const config = withEngineCwd(raw as Record<string, unknown>, configDir, fix);
  const feed = config.feed as Record<string, unknown> | undefined;
  if (typeof feed !== 'object' || feed === null || (feed.kind !== 'replay' && feed.kind !== 'live')) return config;
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

/** A command engine's `cwd` resolved against `configDir` (`configDir` itself when not given); any other engine as it is. */
function withEngineCwd(config: Record<string, unknown>, configDir: string, fix: (p: unknown) => unknown): Record<string, unknown> {
  const engine = config.engine as Record<string, unknown> | undefined;
  if (typeof engine !== 'object' || engine === null || engine.kind !== 'command') return config;
  return { ...config, engine: { ...engine, cwd: engine.cwd === undefined ? resolve(configDir) : fix(engine.cwd) } };
}
