/**
 * The seed's own engine shape, caught (issue 18): `configs/python-engine.yaml` run by `arbfleet run`,
 * the Python example (`examples/python-engine/`: a blocking `run_once()` of 62 ms per symbol in an
 * asyncio loop) behind the agent on the shipped real candles, with the seed's two failures injected:
 * generation 0's loop starves 16 s in (`--stall-after 16@0`: the process lives, its counter stands
 * still) and generation 1 ends silently 5 s in (`--die-after 5@1`: `os._exit(0)`, no message, no
 * `done`). The first trades come near candle 70 (the EWMA baseline settles first), about 12 s in at
 * some 0.17 s a candle (62 ms of run_once, 100 ms of idle sleep: a pace set by sleeps, not the CPU),
 * so generation 0 has committed fills before it starves. Each is caught, the shard restarted from its checkpoint, the ledger exact, and the report
 * tells the slow loop as it is.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { CampaignConfigSchema, type CampaignConfigInput } from '../../core/config/campaign-config.js';
import { resolveFeedPaths } from '../../core/config/feed-paths.js';
import { tradingAcceptanceOf, tradingConfigOf, venueQualityOf } from '../../core/report/trading.js';
import { LOCAL_STALL_DETECTION_SEC, openRunStore, readReport, runFolder, startCli } from '../support/cli-process.js';
import { startAgentTask } from './agent-task-support.js';

const CONFIG = fileURLToPath(new URL('../../configs/python-engine.yaml', import.meta.url));
const ENGINE = fileURLToPath(new URL('../../examples/python-engine/engine.py', import.meta.url));
const RUN_ONCE_MS = 62;

describe('the seed-shaped Python engine under the fleet', () => {
  it('restarts a starved loop as STALLED and a silent exit as CRASHED, each from its checkpoint, with every fill once', async () => {
    const runDir = runFolder();
    const raw = resolveFeedPaths(parse(readFileSync(CONFIG, 'utf8')), dirname(CONFIG)) as Record<string, unknown>;
    const config = join(runDir, 'python-engine.json');
    const command = ['python3', ENGINE, '--run-once-ms', String(RUN_ONCE_MS), '--stall-after', '16@0', '--die-after', '5@1'];
    writeFileSync(config, JSON.stringify({ ...raw, engine: { kind: 'command', command } }));

    const cli = startCli(['run', config, '--no-dashboard', '--out', runDir]);
    expect((await cli.exited).code, cli.stderr().slice(-3000)).toBe(0);
    const report = readReport(runDir);
    expect(report.campaign.status).toBe('COMPLETED');
    // Named as the engine named itself in its hello (the agent's heartbeats carry it), not as the config says.
    expect(report.campaign.engine).toEqual({ kind: 'command', command, name: 'python-seed-engine', version: '0.1.0', protocol: 1 });

    // (a) the stall and (b) the silent death, each detected and restarted.
    const [shard] = report.shards;
    expect(shard?.restarts.map((r) => r.cause)).toEqual(['STALLED', 'CRASHED']);
    for (const r of shard?.restarts ?? []) {
      expect(r.detectionDelaySec, `${r.cause} seen within the local detection bound`).toBeLessThanOrEqual(LOCAL_STALL_DETECTION_SEC);
      expect(r.restartedAt, `${r.cause} came back`).toBeDefined();
    }
    expect(shard?.restarts[1]?.detail.exitCode, 'the agent books an exit without done as a crash').toBe(1);
    expect(shard?.generation).toBe(2);
    const logs = [0, 1, 2].map((g) => readFileSync(join(runDir, 'tasks', `shard-000.g${g}.log`), 'utf8'));
    expect(logs[1]).toMatch(/exited 0 without done/);
    for (const g of [1, 2]) expect(logs[g], `generation ${g} resumed from its checkpoint`).toMatch(/restored from its checkpoint/);

    // (c) no fill lost or duplicated, and no recorded moment traded twice: in seq order the fills'
    // event times never go back, as they would if a generation replayed the candles from the start.
    expect(report.ledger).toMatchObject({ lost: 0, duplicated: 0, repeatedDecisions: 0, pass: true });
    const store = await openRunStore(runDir);
    const ledger = await store.readLedger({ campaignId: report.campaign.id, shardId: 'shard-000' });
    store.close();
    expect(ledger.map((f) => f.seq)).toEqual(ledger.map((_, i) => i));
    expect(new Set(ledger.map((f) => f.generation)).size, 'fills from more than one generation').toBeGreaterThan(1);
    const wentBack = ledger.filter((f, i) => i > 0 && (f.eventTs ?? 0) < (ledger[i - 1]?.eventTs ?? 0));
    expect(wentBack).toEqual([]);
    // Closed trades as the ledger holds them (a trade with a close leg), across the three generations:
    // the agent counts them from the fills it commits, the engine does not report them.
    const closedInLedger = new Set(ledger.filter((f) => f.kind === 'CLOSE').map((f) => f.tradeId)).size;
    expect(closedInLedger).toBeGreaterThan(0);
    expect(report.totals.tradesClosed).toBe(closedInLedger);
    expect(shard?.totals.tradesClosed).toBe(closedInLedger);

    // (d) the slow loop, told as it is: every update costs a blocking run_once, and the report says so.
    const totals = shard?.totals;
    expect(totals?.latencyUs.p50).toBeGreaterThanOrEqual(RUN_ONCE_MS * 1000);
    expect(totals?.ticksPerSec).toBeLessThanOrEqual(1000 / RUN_ONCE_MS);
    expect(report.acceptance.find((row) => row.id === 'loop-latency')?.pass).toBe(false);
    // It ran its replay to the end (done feed-done): the full duration, however short the wall time.
    expect(report.acceptance.find((row) => row.id === 'full-duration')?.pass).toBe(true);
    // Its fills name the quotes they were priced on (quoteTsA/quoteTsB), so its entries are judged, not passed unjudged.
    expect(report.trading?.acceptance.find((row) => row.id === 'no-stale-entry')).toMatchObject({
      pass: true,
      result: expect.stringMatching(/^(\d+) of \1 entries fresh;/),
    });
    // Its progress names each venue's last update (task protocol `venues`), so Quote coverage is judged, not "not measured":
    // both venues quote every 15-minute candle, well within maxQuoteAge 20m, at every heartbeat of the three generations.
    expect(report.trading?.acceptance.find((row) => row.id === 'data-coverage')).toMatchObject({
      pass: true,
      result: expect.stringMatching(/^upbit \d+(\.\d)? %, binance \d+(\.\d)? %/),
    });
    expect(readFileSync(join(runDir, 'report.md'), 'utf8')).toMatch(
      /Engine: python-seed-engine 0\.1\.0 \(python3 .*engine\.py.*\) behind the agent, task protocol v1/,
    );
    expect(cli.stderr()).toMatch(/^ {2}engine: python-seed-engine 0\.1\.0 \(python3 .*engine\.py.*\) behind the agent, task protocol v1$/m);
  }, 240_000);

  it("judges Quote coverage from the engine's venues: failed when a venue stops quoting (Binance's candles of 2025-08-22 00:00–04:00 taken out)", async () => {
    const dir = mkdtempSync(join(tmpdir(), 'arbfleet-python-coverage-'));
    const raw = resolveFeedPaths(parse(readFileSync(CONFIG, 'utf8')), dirname(CONFIG)) as Record<string, unknown> & CampaignConfigInput;
    const feed = raw.feed as Extract<CampaignConfigInput['feed'], { kind: 'replay' }>;
    const binance = feed.sources?.find((s) => s.venue === 'b')?.path as string;
    const rows = readFileSync(binance, 'utf8').split('\n');
    const kept = rows.filter((row) => !(row.slice(0, 16) >= '2025-08-22 00:00' && row.slice(0, 16) < '2025-08-22 04:00'));
    expect(rows.length - kept.length).toBe(16);
    const crafted = join(dir, 'binance-BTC-USDT-15m.csv');
    writeFileSync(crafted, kept.join('\n'));
    const sources = feed.sources?.map((s) => (s.venue === 'b' ? { ...s, path: crafted } : s));
    // 33 candles, one a pass, the run-once work cut to 1 ms: a few seconds, a heartbeat every 0.25 s.
    const task = await startAgentTask('python', {
      dir,
      symbols: ['BTC'],
      command: ['python3', ENGINE, '--run-once-ms', '1'],
      config: { symbols: ['BTC'], venues: raw.venues, fx: raw.fx, strategy: raw.strategy, feed: { ...feed, to: '2025-08-22T06:00:00Z', sources } },
    });
    try {
      expect((await task.process.exited).code, task.process.stderr()).toBe(0);
      const config = CampaignConfigSchema.parse(JSON.parse(readFileSync(join(dir, 'campaign.json'), 'utf8')));
      const trading = tradingConfigOf(config as unknown as Record<string, unknown>);
      const venues = venueQualityOf([await task.store.readHeartbeats(task.key)], trading);
      const row = tradingAcceptanceOf({}, venues, [], {}, trading).find((r) => r.id === 'data-coverage');
      // Binance silent for 4 h against maxQuoteAge 20m: stale at about half the heartbeats, Upbit fresh at all.
      expect(venues.find((v) => v.venue === 'a')?.coverage).toBe(1);
      expect(venues.find((v) => v.venue === 'b')?.coverage).toBeLessThan(0.9);
      expect(row).toMatchObject({ pass: false, result: expect.stringMatching(/^upbit 100(\.0)? %, binance \d+(\.\d)? %/) });
    } finally {
      task.store.close();
      rmSync(dir, { recursive: true, force: true });
    }
  }, 60_000);
});
