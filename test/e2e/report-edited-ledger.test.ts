/**
 * `arbfleet report` on a real run's `fleet.db` edited the way a bug could leave it, each edit one the
 * new-user tester made that scored 11/11 before: every fee ten times the venue's taker fee with the
 * engine's P&L agreeing (an engine charging the wrong rate), an exit that takes its entry's side
 * (adding to the position instead of closing it), heartbeats of a second writer in the shard's
 * generation (two processes writing as one: the fencing failed, or a restart nobody recorded) and a
 * replaced generation's heartbeat after its successor's. Each now fails its row, naming the break;
 * the unedited run passes 11/11.
 */
import { cpSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { type Fill, fillCashMicros } from '../../core/model/fill.js';
import type { Heartbeat } from '../../core/model/records.js';
import type { CampaignReport } from '../../core/report/report-schema.js';
import { readReport, runFolder, startCli } from '../support/cli-process.js';
import { configIn, DISLOCATIONS, run } from '../support/replay-campaigns.js';

/** A copy of the run folder `out` with `edit` applied to its fleet.db, reported again by `arbfleet report`. */
async function reportEdited(out: string, edit: (db: Database.Database) => void): Promise<CampaignReport> {
  const copy = join(runFolder(), 'run');
  cpSync(out, copy, { recursive: true });
  const db = new Database(join(copy, 'fleet.db'));
  try {
    edit(db);
  } finally {
    db.close();
  }
  const cli = startCli(['report', copy]);
  expect((await cli.exited).code, cli.stderr()).toBe(0);
  return readReport(copy);
}

const failed = (report: CampaignReport) => report.outcome.acceptance.failedRows.map((r) => r.id);
const row = (report: CampaignReport, id: string) => report.acceptance.find((r) => r.id === id)?.result ?? '';

/** Rewrites every fill of the ledger with `change`. */
function editFills(db: Database.Database, change: (f: Fill) => void): void {
  const rows = db.prepare('SELECT shard_id, seq, fill FROM fills').all() as { shard_id: string; seq: number; fill: string }[];
  const update = db.prepare('UPDATE fills SET fill = ? WHERE shard_id = ? AND seq = ?');
  for (const r of rows) {
    const f = JSON.parse(r.fill) as Fill;
    change(f);
    update.run(JSON.stringify(f), r.shard_id, r.seq);
  }
}

/** The realised P&L of the ledger as stored (closed trades' fill cash), in micro-units. */
function ledgerPnl(db: Database.Database): number {
  const fills = (db.prepare('SELECT fill FROM fills ORDER BY seq').all() as { fill: string }[]).map((r) => JSON.parse(r.fill) as Fill);
  const closed = new Set(fills.filter((f) => f.kind === 'CLOSE').map((f) => f.tradeId));
  return fills.filter((f) => closed.has(f.tradeId)).reduce((sum, f) => sum + fillCashMicros(f), 0);
}

/** Sets the last heartbeat's (in the history and on the shard's record) realised P&L to `pnl`. */
function claimPnl(db: Database.Database, pnl: number): void {
  const last = db.prepare('SELECT id, heartbeat FROM heartbeats ORDER BY id DESC LIMIT 1').get() as { id: number; heartbeat: string };
  const heartbeat = JSON.parse(last.heartbeat) as Heartbeat;
  heartbeat.progress.realizedPnlMicros = pnl as Heartbeat['progress']['realizedPnlMicros'];
  db.prepare('UPDATE heartbeats SET heartbeat = ? WHERE id = ?').run(JSON.stringify(heartbeat), last.id);
  const shard = db.prepare('SELECT shard_id, record FROM shards').get() as { shard_id: string; record: string };
  const record = JSON.parse(shard.record) as { heartbeat: Heartbeat };
  record.heartbeat.progress.realizedPnlMicros = heartbeat.progress.realizedPnlMicros;
  db.prepare('UPDATE shards SET record = ? WHERE shard_id = ?').run(JSON.stringify(record), shard.shard_id);
}

/** Rewrites the heartbeats from the `from`-th on (oldest first) with `change`. */
function editHeartbeats(db: Database.Database, from: number, change: (h: Heartbeat) => void): void {
  const rows = db.prepare('SELECT id, heartbeat FROM heartbeats ORDER BY id').all() as { id: number; heartbeat: string }[];
  const update = db.prepare('UPDATE heartbeats SET heartbeat = ?, generation = ? WHERE id = ?');
  for (const r of rows.slice(from)) {
    const h = JSON.parse(r.heartbeat) as Heartbeat;
    change(h);
    update.run(JSON.stringify(h), h.generation, r.id);
  }
}

describe('arbfleet report on an edited fleet.db of a real run', () => {
  it('fails the row each edit breaks: fees by a factor, an exit on its entry’s side, a second writer, a replaced generation writing on', async () => {
    const dir = runFolder();
    const { report } = await run(configIn(dir, DISLOCATIONS), dir);
    const out = join(dir, 'out');
    expect(report.outcome.acceptance).toEqual({ passed: 11, failed: 0, total: 11, failedRows: [] });
    expect(report.ledger.fillsInLedger).toBeGreaterThan(8);

    const [fees, side, writers, zombie] = await Promise.all([
      reportEdited(out, (db) => {
        editFills(db, (f) => {
          f.fee *= 10;
        });
        claimPnl(db, ledgerPnl(db));
      }),
      reportEdited(out, (db) => {
        editFills(db, (f) => {
          if (f.tradeId === 1 && f.kind === 'CLOSE' && f.venue === 'A') f.side = f.side === 'BUY' ? 'SELL' : 'BUY';
        });
        claimPnl(db, ledgerPnl(db));
      }),
      reportEdited(out, (db) => {
        const count = (db.prepare('SELECT count(*) AS n FROM heartbeats').get() as { n: number }).n;
        editHeartbeats(db, Math.floor(count / 2), (h) => {
          h.writer = 'pid-1@elsewhere/a-second-process';
        });
      }),
      reportEdited(out, (db) => {
        const count = (db.prepare('SELECT count(*) AS n FROM heartbeats').get() as { n: number }).n;
        // The middle heartbeat says generation 1; the ones after it stay generation 0's (and the shard's record says 0).
        let edited = false;
        editHeartbeats(db, Math.floor(count / 2), (h) => {
          if (!edited) h.generation = 1;
          edited = true;
        });
      }),
    ]);

    expect(failed(fees)).toEqual(['ledger-exact']);
    expect(fees.ledger).toMatchObject({ lost: 0, duplicated: 0, uncounted: 0, pnlMismatchMicros: 0 });
    expect(row(fees, 'ledger-exact')).toMatch(/shard-000 fill 0: trade 0's venue [AB] fee [\d.e+-]+, not [\d.e+-]+ \(.* at (5|10) bps\)/);

    expect(failed(side)).toEqual(['ledger-exact']);
    expect(row(side, 'ledger-exact')).toMatch(
      /shard-000 trade 1: venue A's exit (bought|sold) as its entry did: it adds to the position instead of closing it/,
    );

    expect(failed(writers)).toEqual(['monitoring']);
    expect(row(writers, 'monitoring')).toMatch(
      /^shard-000: two writers in generation 0 \(pid-\d+@.+, then pid-1@elsewhere\/a-second-process\): two processes wrote as one generation$/,
    );

    expect(failed(zombie)).toEqual(['monitoring']);
    expect(row(zombie, 'monitoring')).toContain("shard-000: heartbeats of generation 1, above the shard's 0 (no such generation ran)");
    expect(row(zombie, 'monitoring')).toContain('shard-000: a heartbeat of generation 0 after generation 1 had heartbeated (a replaced task wrote on)');
  });
});
