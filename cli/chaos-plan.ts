import { parseDurationSeconds } from '../core/config/duration.js';
import { ValidationError } from '../core/errors.js';
import { CHAOS_VERBS, type ChaosVerb } from './command-help.js';

/** `--chaos`: faults to inject into a local campaign, at times relative to its start (the verbs: `CHAOS_VERBS`, cli/command-help.ts). */
export { CHAOS_VERBS, type ChaosVerb } from './command-help.js';

/** Faults the engine injects into itself (passed in its environment) rather than the launcher. */
export const ENGINE_SIDE: ReadonlySet<ChaosVerb> = new Set(['exit', 'stall', 'leak']);

export interface ChaosFault {
  verb: ChaosVerb;
  shardId: string;
  /** Seconds after the campaign's start. */
  atSec: number;
  /** `freeze` only: how long the task stays stopped (seconds). */
  forSec?: number;
}

/** Parses `stall:shard-001@20s,kill:shard-000@40s,freeze:shard-001@70s+15s`; throws naming the bad entry. */
export function parseChaos(spec: string): ChaosFault[] {
  if (spec.trim() === '') return [];
  return spec.split(',').map((raw, i) => {
    const entry = raw.trim();
    const where = `--chaos[${i}]`;
    const match = /^([a-z]+):([A-Za-z0-9_-]+)@([^+]+)(?:\+(.+))?$/.exec(entry);
    if (!match) throw new ValidationError([{ path: where, message: `"${entry}" is not verb:shard@time[+duration], e.g. kill:shard-000@40s` }]);
    const [, verb, shardId, at, duration] = match as unknown as [string, string, string, string, string | undefined];
    if (!(CHAOS_VERBS as readonly string[]).includes(verb)) {
      throw new ValidationError([{ path: where, message: `unknown chaos verb "${verb}": use one of ${CHAOS_VERBS.join(', ')}` }]);
    }
    const atSec = parseDurationSeconds(at);
    if (atSec === undefined) throw new ValidationError([{ path: where, message: `"${at}" is not a time such as 40s or 2m` }]);
    const fault: ChaosFault = { verb: verb as ChaosVerb, shardId, atSec };
    if (verb === 'freeze') {
      const forSec = duration === undefined ? 10 : parseDurationSeconds(duration);
      if (forSec === undefined || forSec <= 0) throw new ValidationError([{ path: where, message: `"${duration}" is not a duration such as 15s` }]);
      fault.forSec = forSec;
    } else if (duration !== undefined) {
      throw new ValidationError([{ path: where, message: `only freeze takes a +duration, not ${verb}` }]);
    }
    return fault;
  });
}

/**
 * Refuses faults that could never be injected into this campaign: a shard it does not have
 * (`kill:shard-009@1s` against two shards), or, on the wall clock (`clock: real`), a time at or
 * after its end (`kill:shard-000@99s` in a 5 s run). Such a fault was skipped without a word, so
 * the run passed as though the fault had been survived.
 * @param shardIds the campaign's shards (`planShards`), in order.
 * @param realDurationSec the campaign's duration in seconds when it runs on the wall clock; undefined for `clock: virtual`.
 * @throws ValidationError naming each `--chaos[i]` entry, what it asked and what the campaign has.
 */
export function refuseUnreachableChaos(faults: readonly ChaosFault[], shardIds: readonly string[], realDurationSec: number | undefined): void {
  const issues: { path: string; message: string }[] = [];
  faults.forEach((fault, i) => {
    const where = `--chaos[${i}]`;
    if (!shardIds.includes(fault.shardId)) {
      const have = shardIds.length <= 5 ? shardIds.join(', ') : `${shardIds.slice(0, 5).join(', ')}, …`;
      issues.push({ path: where, message: `no shard ${fault.shardId} in this campaign (${shardIds.length} shard(s): ${have})` });
    } else if (realDurationSec !== undefined && fault.atSec >= realDurationSec) {
      issues.push({
        path: where,
        message: `${fault.verb} at ${fault.atSec}s comes at or after the campaign's end (duration ${realDurationSec}s): it would never be injected`,
      });
    }
  });
  if (issues.length > 0) throw new ValidationError(issues);
}

/**
 * The `ARBFLEET_CHAOS` value for one shard's task launched at `now`: its engine-side faults still
 * ahead. Faults before the launch were an earlier generation's; the task fires every fault it is
 * given, at once when it falls due while the task is still booting.
 */
export function engineChaosEnv(faults: readonly ChaosFault[], shardId: string, campaignStart: number, now: number): string {
  return faults
    .filter((f) => f.shardId === shardId && ENGINE_SIDE.has(f.verb) && campaignStart + f.atSec * 1000 > now)
    .map((f) => `${f.verb}@${Math.round(campaignStart + f.atSec * 1000)}`)
    .join(',');
}
