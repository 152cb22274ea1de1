/**
 * The report's ledger check against what the heartbeats carried, not only against the checkpoint
 * (which is committed with the fills it counts, so a commit that lost fills loses their count too),
 * and realised P&L recomputed from the ledger in integer micro-units against the engine's.
 */
import { describe, expect, it } from 'vitest';
import type { ReportInput } from '../../../core/report/build-report.js';
import { buildReport } from '../../../core/report/build-report.js';
import { type Progress, ProgressSchema } from '../../../core/model/progress.js';
import { formatMoney, micros } from '../../../core/model/units.js';
import { checkShardLedger, fillRuleBreaksOf, realizedMicrosOf } from '../../../core/report/ledger-check.js';
import type { Fill } from '../../../core/model/fill.js';
import { renderHtml } from '../../../core/report/render-html.js';
import { renderMarkdown } from '../../../core/report/render-markdown.js';
import { CampaignReportSchema, type CampaignReport } from '../../../core/report/report-schema.js';
import { campaignRun, craftedFill } from './report-fixtures.js';

function ledgerRow(report: CampaignReport) {
  return report.acceptance.find((c) => c.id === 'ledger-exact')!;
}

/** The last heartbeat of `shardId`, the one on its record and the history's, made to say `change`. */
function amendLastHeartbeat(
  run: ReportInput,
  shardId: string,
  change: (progress: NonNullable<ReportInput['shards'][number]['heartbeat']>['progress']) => void,
): void {
  const shard = run.shards.find((s) => s.shardId === shardId)!;
  const last = run.heartbeats[shardId]!.at(-1)!;
  change(last.progress);
  shard.heartbeat = last;
}

/**
 * What the lost-answer fault left behind: the ledger holds only the first `kept` fills, and the
 * checkpoint (written in the same transactions) counts just those; the heartbeats counted them all.
 */
function loseFillsWithTheirCheckpoint(run: ReportInput, shardId: string, kept: number): void {
  run.ledgers[shardId] = run.ledgers[shardId]!.slice(0, kept);
  const checkpoint = run.checkpoints[shardId]!;
  const ledger = run.ledgers[shardId]!;
  run.checkpoints[shardId] = {
    ...checkpoint,
    lastFillSeq: kept - 1,
    fillsA: ledger.filter((f) => f.venue === 'A').length,
    fillsB: ledger.filter((f) => f.venue === 'B').length,
  };
}

describe('the ledger check against the heartbeats', () => {
  it("passes a clean run, comparing realised P&L from the ledger with the engine's", () => {
    const run = campaignRun();
    const report = buildReport(run);

    expect(report.ledger.pass).toBe(true);
    const shard = report.ledger.shards[0]!;
    expect(shard.fillsReported).toBe(shard.fillsInLedger);
    expect(shard.reportedPnlMicros).not.toBeNull();
    expect(shard.realizedPnlMicros).toBe(realizedMicrosOf(run.ledgers['shard-000']!));
    expect(shard.pnlMismatchMicros).toBe(0);
    expect(CampaignReportSchema.parse(report)).toEqual(report);
  });

  it('FAILS when the ledger misses fills the heartbeats counted, though it matches the checkpoint', () => {
    const run = campaignRun();
    const made = run.ledgers['shard-001']!.length;
    loseFillsWithTheirCheckpoint(run, 'shard-001', 4);

    const report = buildReport(run);

    const shard = report.ledger.shards.find((s) => s.shardId === 'shard-001')!;
    expect(shard).toMatchObject({ fillsInLedger: 4, fillsCounted: 4, fillsReported: made, lost: made - 4, uncounted: 0 });
    expect(report.ledger.pass).toBe(false);
    expect(ledgerRow(report)).toMatchObject({ pass: false });
    expect(ledgerRow(report).result).toBe(
      `${made - 4} lost, 0 duplicated, 0 uncounted (${report.ledger.fillsInLedger} in ledger, ${report.ledger.fillsCounted} counted, ` +
        `${report.ledger.fillsReported} reported by heartbeats); trades claimed beyond the ledger: shard-001 engine-reported 20 opened / 20 closed, ` +
        'the ledger holds 1 / 1',
    );
    expect(renderMarkdown(report)).toContain("❌ The ledger does not match the engines' counters.");
  });

  it("FAILS with the numbers when realised P&L recomputed from the ledger differs from the engine's", () => {
    const run = campaignRun();
    const exact = realizedMicrosOf(run.ledgers['shard-000']!);
    amendLastHeartbeat(run, 'shard-000', (progress) => {
      progress.realizedPnlMicros = micros(exact + 1_250, 'progress.realizedPnlMicros');
    });

    const report = buildReport(run);

    expect(report.ledger.shards[0]).toMatchObject({ realizedPnlMicros: exact, reportedPnlMicros: exact + 1_250, pnlMismatchMicros: 1_250 });
    expect(report.ledger.pass).toBe(false);
    // KRW has no decimals: a mismatch below one is written to the micro-unit, not as 0 KRW.
    const exactly = (amount: number) => formatMoney(micros(amount, 'pnl'), 'KRW', { decimals: 6 });
    expect(ledgerRow(report).result).toContain(
      `; realised P&L ${exactly(report.ledger.realizedPnlMicros)} from the ledger vs ${exactly(report.ledger.realizedPnlMicros + 1_250)} reported by the engines, off by 0.001250 KRW`,
    );
  });

  it('takes a decimal P&L rounded to three places (heartbeats stored before micros, converted on read) as equal within the rounding', () => {
    const run = campaignRun();
    const exact = realizedMicrosOf(run.ledgers['shard-000']!);
    // What a store reads back from a heartbeat written before money was integer micros: a float P&L only.
    const storedBeforeMicros = (progress: Progress, realizedPnl: number) => {
      const { realizedPnlMicros: _exact, unrealizedPnlMicros: _open, ...rest } = progress;
      Object.assign(progress, ProgressSchema.parse({ ...rest, realizedPnl, unrealizedPnl: 0 }));
    };
    // 400 µ off the exact sum: within the half thousandth a 3-decimal figure may be off by.
    amendLastHeartbeat(run, 'shard-000', (progress) => storedBeforeMicros(progress, (exact + 400) / 1_000_000));
    expect(run.heartbeats['shard-000']!.at(-1)!.progress.pnlFromDecimal).toBe(true);
    expect(buildReport(run).ledger.shards[0]!.pnlMismatchMicros).toBe(0);

    amendLastHeartbeat(run, 'shard-000', (progress) => storedBeforeMicros(progress, (exact + 2_000) / 1_000_000));
    expect(buildReport(run).ledger.shards[0]!.pnlMismatchMicros).toBe(2_000);

    // The same 500 µ off in a heartbeat that carried exact micros is a mismatch: no tolerance there.
    amendLastHeartbeat(run, 'shard-000', (progress) => {
      delete progress.pnlFromDecimal;
      progress.realizedPnlMicros = micros(exact + 500, 'progress.realizedPnlMicros');
    });
    expect(buildReport(run).ledger.shards[0]!.pnlMismatchMicros).toBe(500);
  });

  it("FAILS a last heartbeat trailing the ledger whose P&L its counted fills did not make (a tester's edit: 11/11 before); passes one that agrees", () => {
    const run = campaignRun();
    const ledger = run.ledgers['shard-000']!;
    const bySeq = [...ledger].sort((a, b) => a.seq - b.seq);
    // The last step (a close on both venues) is past what the heartbeat counted: it claims the whole ledger's P&L all the same.
    expect(bySeq.at(-1)!.tradeId).toBe(bySeq.at(-2)!.tradeId);
    const counted = bySeq.slice(0, -2);
    amendLastHeartbeat(run, 'shard-000', (progress) => {
      progress.fillsA -= 1;
      progress.fillsB -= 1;
      progress.realizedPnlMicros = realizedMicrosOf(ledger);
    });
    const off = buildReport(run);
    const lastTrade = realizedMicrosOf(ledger) - realizedMicrosOf(counted);
    expect(lastTrade).not.toBe(0);
    expect(off.ledger.shards[0]).toMatchObject({
      pnlComparedFills: counted.length,
      pnlComparedMicros: realizedMicrosOf(counted),
      pnlMismatchMicros: Math.abs(lastTrade),
    });
    expect(off.ledger.pass).toBe(false);
    expect(ledgerRow(off).result).toContain(`(shard-000's last heartbeat counted ${counted.length} of its ${ledger.length} fills and claimed `);
    expect(CampaignReportSchema.parse(off)).toEqual(off);

    // The P&L its counted fills made: agreed.
    amendLastHeartbeat(run, 'shard-000', (progress) => {
      progress.realizedPnlMicros = realizedMicrosOf(counted);
    });
    expect(buildReport(run).ledger).toMatchObject({ pass: true, pnlMismatchMicros: 0 });
    // A count that ends between the legs of one step is not compared: no engine here commits half a step.
    amendLastHeartbeat(run, 'shard-000', (progress) => {
      progress.fillsB += 1;
      progress.realizedPnlMicros = micros(-500_000_000, 'claimed');
    });
    expect(buildReport(run).ledger.shards[0]).toMatchObject({ reportedPnlMicros: null, pnlMismatchMicros: 0 });
  });

  it('compares a trailing claim only once the shard COMPLETED and only over fills committed when it was made (a mutation run: neither guard had a test)', () => {
    const claimOff = () => {
      const run = campaignRun();
      const ledger = run.ledgers['shard-000']!;
      amendLastHeartbeat(run, 'shard-000', (progress) => {
        progress.fillsA -= 1;
        progress.fillsB -= 1;
        progress.realizedPnlMicros = realizedMicrosOf(ledger); // the whole ledger's P&L for all but its last step
      });
      return run;
    };
    expect(buildReport(claimOff()).ledger.pass).toBe(false); // as above, COMPLETED: compared
    // While it runs, a command engine's progress may count a close whose fills are not yet committed: not compared.
    const running = claimOff();
    (running.shards[0] as { status: string }).status = 'RUNNING';
    expect(buildReport(running).ledger.shards[0]).toMatchObject({ pnlMismatchMicros: 0 });
    // A count past what had been committed when the heartbeat was written (lastFillSeq + 1 below it): not its fills, not compared.
    const ahead = claimOff();
    amendLastHeartbeat(ahead, 'shard-000', (progress) => {
      progress.lastFillSeq = progress.fillsA + progress.fillsB - 3;
    });
    expect(buildReport(ahead).ledger.shards[0]).toMatchObject({ pnlMismatchMicros: 0 });
  });

  it("FAILS a checkpoint whose lastFillSeq says fewer fills than it counts (a tester's edit of a real run: 11/11 before), and one claiming seqs past the ledger", () => {
    const run = campaignRun();
    const ledger = run.ledgers['shard-000']!;
    const checkpoint = run.checkpoints['shard-000']!;
    expect(checkpoint.lastFillSeq + 1).toBe(checkpoint.fillsA + checkpoint.fillsB);
    expect(buildReport(run).ledger.shards[0]).not.toHaveProperty('checkpointCovers');

    run.checkpoints['shard-000'] = { ...checkpoint, lastFillSeq: checkpoint.lastFillSeq - 4 };
    const behind = buildReport(run);
    expect(behind.ledger.shards[0]).toMatchObject({ lost: 0, uncounted: 4, checkpointCovers: ledger.length - 4, fillsCounted: ledger.length });
    expect(behind.ledger.pass).toBe(false);
    expect(ledgerRow(behind).result).toContain(
      `; checkpoints at odds with themselves: shard-000's checkpoint covers seqs up to ${ledger.length - 5} (${ledger.length - 4} fills) and counts ${ledger.length}`,
    );
    expect(CampaignReportSchema.parse(behind)).toEqual(behind);

    run.checkpoints['shard-000'] = { ...checkpoint, lastFillSeq: checkpoint.lastFillSeq + 2 };
    expect(buildReport(run).ledger.shards[0]).toMatchObject({ lost: 2, uncounted: 0, checkpointCovers: ledger.length + 2 });
  });

  it('counts fills in flight as such while a shard runs: only those it reported committed must be in the ledger', () => {
    const run = campaignRun();
    const ledger = run.ledgers['shard-000']!;
    const progress = { ...run.heartbeats['shard-000']!.at(-1)!.progress, fillsA: 1_000, fillsB: 1_000, lastFillSeq: ledger.length - 1 };

    // The same facts, read while the shard runs and once it has completed.
    const checked = (status: 'RUNNING' | 'COMPLETED') =>
      checkShardLedger({ shardId: 'shard-000', status, ledger, checkpoint: run.checkpoints['shard-000'], lastProgress: progress, latencyMs: { a: 0, b: 0 } });

    expect(checked('RUNNING')).toMatchObject({ fillsReported: ledger.length, lost: 0 });
    expect(checked('COMPLETED')).toMatchObject({ fillsReported: 2_000, lost: 2_000 - ledger.length });
  });
});

describe('duplicated legs', () => {
  /** The four legs of trade `tradeId`, seqs from `seq`. */
  const legsOf = (seq: number, tradeId: number, at: number): Fill[] => [
    craftedFill(seq, tradeId, 'A', 'SELL', 'OPEN', 0.01, 101_000_000, 0.01, at),
    craftedFill(seq + 1, tradeId, 'B', 'BUY', 'OPEN', 0.01, 100_000, 0.01, at),
    craftedFill(seq + 2, tradeId, 'A', 'BUY', 'CLOSE', 0.01, 100_500_000, 0.01, at + 1_000),
    craftedFill(seq + 3, tradeId, 'B', 'SELL', 'CLOSE', 0.01, 100_100, 0.01, at + 1_000),
  ];
  const duplicatedIn = (ledger: Fill[]) =>
    checkShardLedger({ shardId: 's', status: 'COMPLETED', ledger, checkpoint: undefined, lastProgress: undefined, latencyMs: { a: 0, b: 0 } }).duplicated;

  it('tells every leg of neighbouring trades apart, up to the largest trade id, and counts a leg stored twice under another seq', () => {
    for (const first of [0, 1_000, Number.MAX_SAFE_INTEGER - 2]) {
      const ledger = [...legsOf(0, first, 1_000), ...legsOf(4, first + 1, 2_000), ...legsOf(8, first + 2, 3_000)];
      expect(duplicatedIn(ledger), `trades ${first}..${first + 2}`).toBe(0);
      const again = { ...(ledger[6] as Fill), seq: 12 };
      expect(duplicatedIn([...ledger, again]), `trades ${first}..${first + 2}, a leg again`).toBe(1);
    }
  });
});

/** When s4 happened (ms): trade n opened at +10n ms, both closed at +1 s. */
const S4_AT = 1_700_000_000_000;

/** The engine's ledger of the tester's crafted book s4 (`craftedFill`): trade 0 took 0.01, trade 1 the 0.005 left of B's displayed 0.015 (liquidity consumption); both closed in full. */
const s4Ledger = (): Fill[] => [
  craftedFill(0, 0, 'A', 'SELL', 'OPEN', 0.01, 101_000_000, 0.01, S4_AT),
  craftedFill(1, 0, 'B', 'BUY', 'OPEN', 0.01, 100_000, 0.01, S4_AT),
  craftedFill(2, 1, 'A', 'SELL', 'OPEN', 0.004999999999999999, 101_000_000, 0.01, S4_AT + 10),
  craftedFill(3, 1, 'B', 'BUY', 'OPEN', 0.004999999999999999, 100_000, 0.01, S4_AT + 10),
  craftedFill(4, 0, 'A', 'BUY', 'CLOSE', 0.01, 100_010_000, 0.01, S4_AT + 1_000),
  craftedFill(5, 0, 'B', 'SELL', 'CLOSE', 0.01, 99_990, 0.01, S4_AT + 1_000),
  craftedFill(6, 1, 'A', 'BUY', 'CLOSE', 0.004999999999999999, 100_010_000, 0.004999999999999999, S4_AT + 1_000),
  craftedFill(7, 1, 'B', 'SELL', 'CLOSE', 0.004999999999999999, 99_990, 0.004999999999999999, S4_AT + 1_000),
];

describe('fills no correct engine makes (fillRuleBreaksOf)', () => {
  const noLatency = { a: 0, b: 0 };

  it("passes the engine's own ledger of a crafted book, and rounding a unit in the last place off", () => {
    expect(fillRuleBreaksOf(s4Ledger(), noLatency)).toEqual({
      partialCloses: 0,
      overfilledEntries: 0,
      betterThanDecision: 0,
      beyondBookOverruns: 0,
      malformedFills: 0,
      examples: [],
    });
    expect(fillRuleBreaksOf(s4Ledger(), noLatency, { symbols: ['BTC'], generation: 0 }).malformedFills).toBe(0);
    const rounded = s4Ledger();
    // A volume-weighted mean of levels at the top landing one ulp better; a sum of parts one ulp past the order.
    Object.assign(rounded[4]!, { price: 100_009_999.99999999 });
    Object.assign(rounded[2]!, { qty: 0.005000000000000001, orderedQty: 0.005 });
    Object.assign(rounded[3]!, { qty: 0.005000000000000001, orderedQty: 0.005 });
    expect(fillRuleBreaksOf(rounded, noLatency)).toMatchObject({ partialCloses: 0, overfilledEntries: 0, betterThanDecision: 0 });
  });

  it("FAILS the tester's edit of s4 (trade 1's B leg closed 0.004 of 0.005, sold 25 % above the bid): 11/11 before", () => {
    const edited = s4Ledger();
    Object.assign(edited[7]!, { qty: 0.004, price: 124_987.5 });
    expect(fillRuleBreaksOf(edited, noLatency)).toEqual({
      partialCloses: 1,
      overfilledEntries: 0,
      betterThanDecision: 1,
      beyondBookOverruns: 0,
      malformedFills: 0,
      examples: [
        "trade 1: venue B's exit sold at 124987.5, better than its decision bid 99990 with no latency",
        'trade 1: venue B closed 0.004 of 0.004999999999999999 opened',
      ],
    });
    // With a latency on B the book may have moved for it: the price is not judged, the quantity still is.
    expect(fillRuleBreaksOf(edited, { a: 0, b: 250 })).toMatchObject({ partialCloses: 1, betterThanDecision: 0 });
  });

  it('FAILS an entry leg filled above its order, and a buy below its decision ask', () => {
    const over = s4Ledger();
    Object.assign(over[1]!, { orderedQty: 0.008 });
    Object.assign(over[0]!, { price: 100_999_000 }); // a sale below its bid: worse, allowed
    Object.assign(over[4]!, { price: 100_000_000 }); // a buy 1 bp below its ask: better, impossible
    const found = fillRuleBreaksOf(over, noLatency);
    expect(found).toMatchObject({ partialCloses: 0, overfilledEntries: 1, betterThanDecision: 1 });
    expect(found.examples).toEqual([
      "trade 0: venue B's entry filled 0.01 of 0.008 ordered",
      "trade 0: venue A's exit bought at 100000000, better than its decision ask 100010000 with no latency",
    ]);
  });

  it('FAILS an exit beyond the book by more than it filled, and a quantity beyond the book on an entry; passes an exit beyond by all it filled', () => {
    const ledger = s4Ledger();
    Object.assign(ledger[4]!, { beyondBookQty: 0.01 }); // all of it beyond the book: possible
    Object.assign(ledger[6]!, { beyondBookQty: 0 });
    expect(fillRuleBreaksOf(ledger, noLatency).beyondBookOverruns).toBe(0);
    Object.assign(ledger[5]!, { beyondBookQty: 0.02 }); // 0.02 beyond a leg of 0.01
    Object.assign(ledger[1]!, { beyondBookQty: 0 }); // an entry never fills beyond the book: the field has no place there
    const found = fillRuleBreaksOf(ledger, noLatency);
    expect(found).toMatchObject({ partialCloses: 0, overfilledEntries: 0, betterThanDecision: 0, beyondBookOverruns: 2 });
    expect(found.examples).toEqual([
      "trade 0: venue B's entry carries a quantity beyond the book (0): only an exit fills beyond it",
      "trade 0: venue B's exit took 0.02 beyond the book of the 0.01 it filled",
    ]);
  });

  it('FAILS each malformed fill a tester made by hand in a real run’s fleet.db (each passed 11/11)', () => {
    const shard = { symbols: ['BTC', 'XRP'], generation: 0 };
    const edited = (edit: (ledger: Fill[]) => void) => {
      const ledger = s4Ledger();
      edit(ledger);
      return fillRuleBreaksOf(ledger, noLatency, shard);
    };
    const cases: [string, (ledger: Fill[]) => void, string][] = [
      ['a close leg of another symbol', (l) => Object.assign(l[5]!, { symbol: 'XRP' }), "trade 0: venue B's exit is of XRP, the trade of BTC"],
      ['a trade closed before it opened', (l) => Object.assign(l[4]!, { ts: 1000 }), 'trade 0: venue A closed at 1000, before it opened at 1700000000000'],
      ['an entry with an exit’s reason', (l) => Object.assign(l[0]!, { reason: 'TAKE_PROFIT' }), "trade 0: venue A's entry gives the reason TAKE_PROFIT"],
      ['an exit with the entry’s reason', (l) => Object.assign(l[6]!, { reason: 'ENTRY' }), "trade 1: venue A's exit gives the reason ENTRY"],
      [
        'a trade of a symbol not the shard’s',
        (l) => {
          for (const f of l) if (f.tradeId === 0) f.symbol = 'ETH';
        },
        "fill 0: ETH is not one of the shard's symbols (BTC, XRP)",
      ],
      [
        'an exit taking its entry’s side (adding to the position)',
        (l) => Object.assign(l[4]!, { side: 'SELL' }),
        "trade 0: venue A's exit sold as its entry did: it adds to the position instead of closing it",
      ],
      ['two entry legs on one side', (l) => Object.assign(l[1]!, { side: 'SELL' }), 'trade 0: both entry legs sold'],
      [
        'a fill written by a generation that never ran',
        (l) => Object.assign(l[3]!, { generation: 5 }),
        "fill 3: written by generation 5, above the shard's 0 (no such generation ran)",
      ],
    ];
    for (const [what, edit, words] of cases) {
      const found = edited(edit);
      expect(found.malformedFills, what).toBeGreaterThan(0);
      expect(found.examples, what).toContain(words);
    }
  });

  it('FAILS fees wrong by a factor with the engine’s P&L agreeing (a tester’s edit of a real run: 11/11 before); passes the fees the config states', () => {
    const run = campaignRun();
    expect(buildReport(run).ledger.pass).toBe(true);
    // Every fee of shard-000 ten times the venue's taker fee, the engine's final P&L claim recomputed to agree.
    for (const f of run.ledgers['shard-000']!) f.fee *= 10;
    amendLastHeartbeat(run, 'shard-000', (progress) => {
      progress.realizedPnlMicros = realizedMicrosOf(run.ledgers['shard-000']!);
    });
    const report = buildReport(run);
    expect(report.ledger).toMatchObject({ pass: false, lost: 0, duplicated: 0, uncounted: 0, pnlMismatchMicros: 0 });
    expect(report.ledger.malformedFills).toBe(run.ledgers['shard-000']!.length);
    expect(ledgerRow(report).result).toContain("shard-000 fill 0: trade 0's venue A fee 5, not 0.5 (10 × 100 at 5 bps)");
    // A fee a rounding off the rate is the engine's float product, not a break.
    const close = campaignRun();
    for (const f of close.ledgers['shard-000']!) f.fee *= 1 + 1e-12;
    expect(buildReport(close).ledger.pass).toBe(true);
    // Without the venues' fees in the config, fees are not judged.
    expect(fillRuleBreaksOf(run.ledgers['shard-000']!, noLatency).malformedFills).toBe(0);
    expect(fillRuleBreaksOf(run.ledgers['shard-000']!, noLatency, undefined, { a: 50, b: 40 }).malformedFills).toBe(0);
  });

  it('names the breaks in the Ledger exact row and fails it, the counts agreeing', () => {
    const run = campaignRun({ config: { execution: { model: 'top-size' } } });
    for (const f of run.ledgers['shard-001']!) {
      f.orderedQty = f.qty;
      f.decisionPrice = f.price;
    }
    expect(buildReport(run).ledger.pass).toBe(true);
    const sale = run.ledgers['shard-001']!.find((f) => f.tradeId === 0 && f.side === 'SELL' && f.kind === 'OPEN')!;
    sale.decisionPrice = sale.price - 1;
    const report = buildReport(run);
    expect(report.ledger).toMatchObject({ pass: false, betterThanDecision: 1, lost: 0, duplicated: 0, uncounted: 0, pnlMismatchMicros: 0 });
    expect(ledgerRow(report).result).toContain(
      `fills no engine makes: 1 leg(s) filled better than their decision price with no latency (shard-001 trade 0: venue B's entry sold at ${sale.price}, better than its decision bid ${sale.price - 1} with no latency)`,
    );
    expect(CampaignReportSchema.parse(report)).toEqual(report);
    expect(renderMarkdown(report)).toContain(`❌ The ledger holds fills no correct engine makes: shard-001 trade 0: venue B's entry sold at ${sale.price}`);
    expect(renderHtml(report)).toContain(`✗ The ledger holds fills no correct engine makes: shard-001 trade 0: venue B&#39;s entry sold at ${sale.price}`);
  });
});
