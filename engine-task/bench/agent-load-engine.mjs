// The child of the agent's benchmark (agent.ts): an engine speaking the task protocol that commits
// LOAD_FILLS_PER_SEC fills per second in batches every 250 ms, writes progress every 100 ms, and
// (LOAD_BUSY=1) spends the rest of its time computing, as an engine trading at full speed does.
// Before `done` it writes its own CPU time as a log line: {"childCpuUs": …}.
import { createInterface } from 'node:readline';

const fillsPerSec = Number(process.env.LOAD_FILLS_PER_SEC ?? 10000);
const seconds = Number(process.env.LOAD_SECONDS ?? 10);
const busy = process.env.LOAD_BUSY === '1';
const out = (m) => process.stdout.write(`${JSON.stringify(m)}\n`);
out({ type: 'hello', protocol: 1, engine: { name: 'bench-load', version: '1' } });
let assignment;
const waiting = new Map();
createInterface({ input: process.stdin }).on('line', (line) => {
  const m = JSON.parse(line);
  if (m.type === 'assignment') {
    assignment = m;
    void run();
  } else if (m.type === 'commit-result') waiting.get(m.seq)?.(m);
});

async function run() {
  let next = assignment.restore.nextFillSeq;
  let counter = 0;
  let seq = 0;
  const perBatch = Math.round(fillsPerSec / 4);
  const start = Date.now();
  let sink = 0;
  for (let batch = 0; batch < seconds * 4; batch++) {
    const dueAt = start + (batch + 1) * 250;
    for (let p = 0; p < 3; p++) {
      // Compute until the next progress (a full-speed engine), or sleep.
      const until = dueAt - 250 + (p + 1) * 83;
      if (busy) while (Date.now() < until) sink += Math.sqrt(counter++ + sink) % 7;
      else await new Promise((r) => setTimeout(r, Math.max(0, until - Date.now())));
      out({ type: 'progress', counter: ++counter, trades: next >> 1, openPositions: 0, realizedPnlMicros: 0 });
    }
    const fills = new Array(perBatch);
    for (let i = 0; i < perBatch; i++) {
      const s = next + i;
      fills[i] = {
        seq: s,
        tradeId: s >> 1,
        symbol: assignment.symbols[s % assignment.symbols.length],
        venue: s % 2 === 0 ? 'A' : 'B',
        side: s % 2 === 0 ? 'BUY' : 'SELL',
        kind: 'OPEN',
        reason: 'ENTRY',
        qty: 0.5,
        price: 100 + (s % 1000) / 100,
        fee: 0.01,
        fxRate: 1,
        ts: Date.now(),
      };
    }
    next += perBatch;
    const answered = new Promise((r) => waiting.set(seq, r));
    out({ type: 'commit', seq, fills, checkpoint: { next, counter } });
    seq++;
    await answered;
  }
  const cpu = process.cpuUsage();
  console.log(JSON.stringify({ childCpuUs: cpu.user + cpu.system, sink: sink > -1 }));
  out({ type: 'done', reason: 'feed-done' });
  process.exit(0);
}
