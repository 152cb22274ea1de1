/**
 * The deterministic fault simulation of the whole fleet (`sim/`, issues 8, 16 and 20): the real
 * control-plane services (campaign, launch, watchdog, scheduler, schedule), SQLite store (in
 * memory) and launch queue, simulated engines, virtual time, and a per-seed swarm of faults.
 * `npm run sim -- --seeds 10000` runs the long version; this file runs a bounded number of seeds,
 * proves a seed replays exactly and that actor streams are independent, holds the regression
 * seeds of the two fixes the simulation found, and proves the invariants catch a planted bug.
 */
import { describe, expect, it } from 'vitest';
import { Prng } from '../../sim/prng.js';
import { runSeed } from '../../sim/simulation.js';

const SEEDS = 60;

describe('the deterministic simulation of the fleet', () => {
  it(`keeps every invariant over seeds 1–${SEEDS}: outcomes explained by the injected faults, ledger exact, one writer per shard`, async () => {
    const failures: string[] = [];
    for (let seed = 1; seed <= SEEDS; seed++) {
      const result = await runSeed(seed);
      if (result.violations.length > 0) failures.push(`seed ${seed}: ${result.violations.join(' | ')}`);
    }
    expect(failures).toEqual([]);
    // 60 seeds (18 of them on the real runner): about 10 s on an idle machine, a minute at a load average of 20.
  }, 240_000);

  it('replays a seed exactly: the same seed gives the same trace, another seed another', async () => {
    const first = await runSeed(4242, { keepTrace: true });
    const again = await runSeed(4242, { keepTrace: true });
    expect(first.trace.length).toBeGreaterThan(10);
    expect(again.trace).toEqual(first.trace);
    expect(again.traceHash).toBe(first.traceHash);
    expect(again.stats).toEqual(first.stats);
    expect((await runSeed(4243)).traceHash).not.toBe(first.traceHash);
  });

  it('seed 22 (regression found by seed 11, LaunchService): a launch whose shard the watchdog re-queue touched meanwhile keeps its task', async () => {
    // What seed 11 caught: a launch's compare-and-set lost to the watchdog counting an overdue
    // launch's re-queue, and LaunchService stopped the healthy task as "launch superseded" although
    // the shard still waited for that very generation. Unit test: test/unit/fleet/launch-service-race.test.ts.
    // With per-actor streams and the swarm, seed 22 races so: the schedule's run c2 re-queued at
    // 56.564 s, task-4 launched at 56.618 s, its compare-and-set lost and recorded on the fresh
    // record; the task then runs to the campaign's end. With the fix reversed (the old catch block
    // stopping the task), the shard ends COMPLETED 6.1 s early on the fleet's own stop, which the
    // outcome invariants reject.
    const { trace, violations } = await runSeed(22, { keepTrace: true });
    expect(violations).toEqual([]);
    expect(trace.some((l) => l.startsWith('56.564s cp: warn launch re-queued campaignId=c2 shardId=shard-000 generation=0'))).toBe(true);
    expect(trace).toContain('56.618s launcher: launch task-4-shard-000.g0');
    expect(trace.filter((l) => /shard changed while launching|launch superseded/.test(l))).toEqual([]);
    expect(trace.some((l) => l.includes('task-4-shard-000.g0 stopped: exit 0 (campaign end: 24 fill(s) committed)'))).toBe(true);
  });

  it('seed 3 (regression of seed 138, the overdue-launch deadline): a RunTask outage fails the shard only after 8 launch timeouts, and the sim judges it justified', async () => {
    // What seed 138 caught: under heavy transient faults the watchdog failed a shard as "launch
    // never happened" after 3 re-queues (4 launch timeouts) that the faults had all swallowed. The
    // rule is now a deadline of 8 launch timeouts (bb57573). Seed 3 injects a 55 s RunTask outage:
    // with the deadline, c1's shard fails 49.6 s after its launch was due, every attempt having hit
    // the outage (justified); with the old rule reversed in, it fails 22.2 s after, and the outcome
    // invariants report "FAILED without cause … the fleet promises 8 launch timeouts (40s)".
    const result = await runSeed(3);
    expect(result.violations).toEqual([]);
    expect(result.stats.launchDeadline).toBe(1);
    const failed = result.stats.campaigns.find((c) => c.startsWith('c1 FAILED')) ?? '';
    const dueAgo = Number(/was due ([\d.]+)s ago and never launched \(launchTimeout 5s, deadline 8 × launchTimeout = 40s\)/.exec(failed)?.[1]);
    expect(dueAgo).toBeGreaterThanOrEqual(40);
  });

  it('seed 6430 (issue 16): an occurrence the injected faults kept from running for its whole catch-up window is recorded missed, and the sim says which faults', async () => {
    // Of the 11 seeds of 10,000 the schedule check failed, 9 ended the run before the scheduler
    // had decided their occurrence (it starts them late, within the catch-up window, now that the
    // run waits for every occurrence to be decided); in 2735 and 6430 no tick of the schedule
    // service ran through between the occurrence and the end of its 60 s window, so it is missed
    // (2735 now claims its occurrence in time, the engine's waits having moved its interleaving).
    const { violations, stats, trace } = await runSeed(6430, { keepTrace: true });
    expect(violations).toEqual([]);
    expect(stats.unrunOccurrences).toBe(1);
    const why = trace.find((l) => l.includes('occurrence 2026-01-01T00:00:00.000Z recorded missed: no tick ran through in its catch-up window')) ?? '';
    expect(why).toMatch(/cp-partition [\d.]+s–[\d.]+s/);
    expect(why).toMatch(/\d+ tick\(s\) cut short by injected faults/);
  });

  it('reports a planted bug (the schedule service ignoring the catch-up window) as an occurrence the fleet dropped', async () => {
    // Seed 22's occurrence is due at 45 s; its first tick is a moment late, so with a catch-up
    // window of 0 it is recorded missed although nothing kept the scheduler from it.
    const result = await runSeed(22, { sabotage: 'no-catch-up' });
    expect(
      result.violations.some((v) =>
        /^schedule sim-schedule: occurrence 2026-01-01T00:00:00.000Z started no campaign .*ran through inside its catch-up window .*the fleet dropped it/.test(
          v,
        ),
      ),
    ).toBe(true);
  });

  it('seed 624 (issue 20): a store throttled for the engines past their self-fence restarts every shard as STORE_UNAVAILABLE, never CRASHED or LOST, and mass staleness is probed', async () => {
    // An 8.2 s throttling stall of the engines' calls (from 6.603 s): each engine exits 4 naming
    // the throttling 4.2 s (its self-fence) after its last heartbeat, before the watchdog's kill at
    // 4.4 s, and is booked STORE_UNAVAILABLE; the relaunched tasks, stale while the stall lasts,
    // make most of c0 read stale at once, and the watchdog probes the store before restarting any.
    const { violations, stats, trace } = await runSeed(624, { keepTrace: true, realRunner: false });
    expect(violations).toEqual([]);
    expect(trace.filter((l) => /cause=STORE_UNAVAILABLE/.test(l)).length).toBeGreaterThanOrEqual(5);
    expect(trace.filter((l) => /cause=(CRASHED|LOST)/.test(l))).toEqual([]);
    expect(stats.massProbes).toBeGreaterThan(0);
  });

  it('reports a planted bug (an engine that exits 1 for a busy store, booked CRASHED) as a stall blamed on the engine', async () => {
    const result = await runSeed(624, { sabotage: 'stall-as-crash', realRunner: false });
    expect(result.violations.some((v) => /is booked CRASHED during or after a store stall longer than the tolerance \(throttle stall of engines/.test(v))).toBe(
      true,
    );
  });

  it('seed 346 with every task frozen at once (issue 20): the watchdog restarts at most one stale shard per pass, holds the rest back, and writes the mass-staleness event; unbounded, the sim reports it', async () => {
    // A host paused for 9 s at 15 s: c0's 4 shards read stale in the same pass; the store probe
    // answers, so one is restarted per pass and the others are held back (each held back from a
    // pass that wrote watchdog.mass-staleness). With massRestartsPerPass 100 in the config (the
    // fleet obeys it; the sim holds it to the documented 1), the pass at 19.217 s restarts 3 of the 4.
    const massFreeze = { atMs: 15_000, forMs: 9_000 };
    const held = await runSeed(346, { keepTrace: true, massFreeze });
    expect(held.violations).toEqual([]);
    expect(held.stats.massProbes).toBeGreaterThan(0);
    expect(held.trace.filter((l) => /watchdog: restart held back campaignId=c0/.test(l)).length).toBeGreaterThan(0);
    const unbounded = await runSeed(346, { massFreeze, sabotage: 'unbounded-mass-restarts' });
    expect(
      unbounded.violations.some((v) => /^mass staleness of c0: the watchdog pass at [\d.]+s restarted 3 stale shards .* of 4; at most 1 per pass/.test(v)),
    ).toBe(true);
  });

  it('seed 4708 (regression, WatchdogService): a watchdog pass whose listing a 9.4 s control-plane store stall held does not age the heartbeats it returns', async () => {
    // Heartbeats were observed as of the pass's start, before the held listing: a healthy task
    // looked 8.6 s stale, kept that age, and was restarted LOST at 17.596 s while an engines' stall
    // had just begun (the engine would have exited 4 at its self-fence). Observed as of the answer now.
    const { violations, trace } = await runSeed(4708, { keepTrace: true });
    expect(violations).toEqual([]);
    expect(trace.filter((l) => /shardId=shard-001 generation=1 cause=LOST/.test(l))).toEqual([]);
  });

  it("seed 8728 (regression, WatchdogService): a restarted watchdog's first look dates a heartbeat as of that look, not by the writer's clock", async () => {
    // The control plane (clock 2.846 s ahead of the store's stamps) crashed, froze and came back at
    // 18.02 s, 2.7 s after shard-002's last heartbeat (15.325 s; the engines' calls throttled from
    // 15.387 s); its first look read that heartbeat as 5.5 s old (the clock gap added), kept the age,
    // and restarted it LOST at 19.214 s, 3.9 s after its last heartbeat (under staleAfter, 4 s) and
    // 0.4 s before the engine's own exit 4. Now the first look dates it at 18.02 s: the engine's
    // exit 4 comes first (19.577 s) and the restart is STORE_UNAVAILABLE. The clock gap was the sim's
    // too: its stores stamped engines in true time (test/sim/caller-clock.test.ts); stamped on its own
    // clock (+2.947 s) this engine runs ahead of the control plane, and the seed no longer needs the
    // fix (no seed of 1–8,500 with clock skew and control-plane crashes or freezes fails without it).
    // What fails without it: test/integration/fleet/watchdog-first-look.test.ts.
    const { violations, trace } = await runSeed(8728, { keepTrace: true, realRunner: false });
    expect(violations).toEqual([]);
    expect(trace.filter((l) => /shardId=shard-002 generation=1 cause=LOST/.test(l))).toEqual([]);
    expect(trace.some((l) => /cp: warn shard restarting campaignId=c0 shardId=shard-002 generation=1 cause=STORE_UNAVAILABLE/.test(l))).toBe(true);
  });

  it("seeds 5159 and 7002 (regressions, the engine's store retries): a commit failed on a short store stall is tried again after the store retry, and the final heartbeat survives one", async () => {
    // 5159: a commit failed in a stall shorter than the tolerance was tried again only a flush later,
    // so the engine passed its commit bound and exited 4 for a stall that must cost nothing.
    // 7002: an engine's final heartbeat (stop: deadline) was refused by a short stall, so its exit 0
    // before the campaign's end (its clock runs ahead) was read as an outside stop: PREEMPTED.
    for (const seed of [5159, 7002]) {
      const { violations } = await runSeed(seed);
      expect(violations, `seed ${seed}`).toEqual([]);
    }
  });

  it('seeds 46, 51, 138, 158, 172, 247 and 1756 with a spawning launcher (regressions, issue 16): two tasks of one generation never both write; the later claimant holds the shard', async () => {
    // A launcher that starts a second task of a generation (a lost RunTask answer and a redelivered
    // launch message) made two writers of one generation write to one shard, fenced by generation
    // only: "two task identities wrote to c3/shard-001" and "exited 1 on a refused commit:
    // LedgerConflictError … different fill under seq 16". Writes are now fenced by writer too
    // (ShardPersistence in core/ports.ts): the later task's claim takes the shard over and the
    // earlier one exits 3 at its next write. With the SQLite store's writer condition dropped, 46
    // and 51 fail again. 1756: a second task of generation 1 started just after its shard was
    // COMPLETED at the campaign's end and wrote to it; a claim of a closed shard is now refused
    // (ShardClosedError, exit 3), and with that check dropped the seed fails again.
    const takeovers: string[] = [];
    for (const seed of [46, 51, 138, 158, 172, 247, 1756]) {
      const { violations, trace } = await runSeed(seed, { spawningLauncher: true, keepTrace: true });
      expect(violations, `seed ${seed}`).toEqual([]);
      takeovers.push(...trace.filter((l) => /is fenced out: writer task-\S+ of the same generation took the shard over/.test(l)));
    }
    expect(takeovers.length).toBeGreaterThan(0);
  });

  it('seeds 42 and 218 with the real runner (issue 16): bugs of the engine the model hid, each fixed', async () => {
    // Run with the real ShardRunner as every task (sim/real-runner-task.ts); both pass on the model.
    // 42: generation 2 launched after the campaign's end restored 4 open trades and closed them at
    // price 0 before any quote (commit refused, exit 1): Engine.closeAll now leaves them open
    // (test/unit/engine/close-all-without-quotes.test.ts). 218: a restore refused once by a 2.3 s
    // throttle ended the task exit 4, a restart for a stall the fleet tolerates: the runner now
    // retries its restore through the tolerance (test/unit/engine/restore-through-stall.test.ts).
    for (const seed of [42, 218]) {
      const { violations, stats } = await runSeed(seed, { realRunner: true });
      expect(violations, `seed ${seed}`).toEqual([]);
      expect(stats.realRunner).toBe(true);
      expect(stats.ledgerFills, `seed ${seed}: the real engine traded`).toBeGreaterThan(0);
    }
  });

  it("gives each actor its own PRNG stream: draws in one actor's stream do not shift another's", () => {
    const alone = Prng.stream(7, 'launcher');
    const expected = [alone.float(), alone.float(), alone.float()];
    const engine = Prng.stream(7, 'engine task-0-shard-000.g0');
    const launcher = Prng.stream(7, 'launcher');
    for (let i = 0; i < 100; i++) engine.float();
    expect([launcher.float(), launcher.float(), launcher.float()]).toEqual(expected);
    expect(Prng.stream(7, 'queue').float()).not.toBe(expected[0]);
    expect(Prng.stream(8, 'launcher').float()).not.toBe(expected[0]);
  });

  it('reports a planted bug (commits answered as done but never written) as lost fills and a P&L mismatch', async () => {
    const result = await runSeed(1, { sabotage: 'ack-lost-commit' });
    expect(result.violations.some((v) => /fill\(s\) engines were told were committed are missing \(lost\)/.test(v))).toBe(true);
    expect(result.violations.some((v) => /^P&L of .* the ledger up to seq \d+ sums to -?\d+ micros/.test(v))).toBe(true);
  });
});
