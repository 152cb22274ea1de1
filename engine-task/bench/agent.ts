/**
 * The agent's cost (`npm run bench -- --agent`, issue 18): beside an engine committing 10,000
 * fills/s in batches every 250 ms and writing progress every 100 ms, with a heartbeat every second,
 * the agent's CPU per second of the child's (the child computing at full speed between batches, as
 * a trading engine does, and the child idle between batches), and the protocol's throughput: engine
 * lines read and validated per second (LineSplitter + readEngineLine, the agent's own path) against
 * `JSON.parse` alone on the same lines.
 */
import { loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';
import { silentLogger } from '../../core/log.js';
import type { ShardPersistence } from '../../core/ports.js';
import { MAX_LINE_BYTES } from '../../core/model/task-protocol.js';
import { readEngineLine } from '../src/agent/engine-line.js';
import { LineSplitter } from '../src/agent/line-splitter.js';
import { TaskAgent } from '../src/agent/task-agent.js';
import { parseCampaignConfig } from '../../core/config/load-config.js';
import { resolveCampaign } from '../../core/config/resolve-campaign.js';
import { symbolUniverse } from '../../core/config/universe.js';

const LOAD_ENGINE = fileURLToPath(new URL('./agent-load-engine.mjs', import.meta.url));

export interface AgentCpuResult {
  childBusy: boolean;
  fillsPerSec: number;
  seconds: number;
  agentCpuMs: number;
  childCpuMs: number;
  /** Agent CPU over child CPU. */
  ratio: number;
  /** Agent CPU per wall second, ms (1000 = one core). */
  agentCpuMsPerSec: number;
  /** Child CPU per wall second, ms: what it got of a core on this machine at the time. */
  childCpuMsPerSec: number;
  fillsCommitted: number;
}

/**
 * A store that takes every write and keeps nothing: the bench measures what the agent adds (reading,
 * checking and stamping the engine's lines, heartbeating), not the store's writes, which the built-in
 * engine pays in process as well.
 */
function discardingPersistence(): ShardPersistence {
  return {
    key: { campaignId: 'bench', shardId: 'shard-000' },
    generation: 0,
    restore: async () => ({ checkpoint: null, ledgerTail: [] }),
    heartbeat: async () => undefined,
    commit: async () => undefined,
  };
}

/**
 * Runs the agent in this process beside the load engine; the agent's CPU is this process's over the
 * run. A first run of `warmupSeconds` is not measured: a campaign's agent runs for minutes to days,
 * so what counts is its cost once compiled (the warm-up run's one-off cost, JIT and first spawn, is
 * about 0.2 s of CPU on this machine); the garbage of what ran before is collected first
 * (`npm run bench` runs with `--expose-gc`).
 */
export async function benchAgentCpu(childBusy: boolean, fillsPerSec = 10_000, seconds = 10, warmupSeconds = 3): Promise<AgentCpuResult> {
  if (warmupSeconds > 0) await runAgentOnce(childBusy, fillsPerSec, warmupSeconds);
  (globalThis as { gc?: () => void }).gc?.();
  return runAgentOnce(childBusy, fillsPerSec, seconds);
}

async function runAgentOnce(childBusy: boolean, fillsPerSec: number, seconds: number): Promise<AgentCpuResult> {
  const campaign = resolveCampaign(
    parseCampaignConfig({
      name: 'bench-agent',
      symbols: ['BTC', 'ETH'],
      venues: { a: { name: 'a', quoteCurrency: 'USDT', takerFeeBps: 5 }, b: { name: 'b', quoteCurrency: 'USDT', takerFeeBps: 5 } },
      watchdog: { heartbeatInterval: 1, staleAfter: 45 },
      task: { cpu: 1024, memoryMiB: 2048 },
    }),
    symbolUniverse(),
  );
  let childCpuUs = 0;
  const agent = new TaskAgent({
    command: [process.execPath, LOAD_ENGINE],
    env: { LOAD_FILLS_PER_SEC: String(fillsPerSec), LOAD_SECONDS: String(seconds), LOAD_BUSY: childBusy ? '1' : '0' },
    persistence: discardingPersistence(),
    campaign,
    shardIndex: 0,
    symbols: ['BTC', 'ETH'],
    mode: 'real',
    log: silentLogger,
    writeLog: (text) => {
      const match = /"childCpuUs":(\d+)/.exec(text);
      if (match) childCpuUs = Number(match[1]);
    },
  });
  const cpu0 = process.cpuUsage();
  const wall0 = performance.now();
  const outcome = await agent.run();
  const cpu = process.cpuUsage(cpu0);
  const wallSec = (performance.now() - wall0) / 1000;
  if (outcome.end !== 'completed') throw new Error(`bench: the agent's run ended ${outcome.end}: ${outcome.reason}`);
  const agentCpuMs = (cpu.user + cpu.system) / 1000;
  const childCpuMs = childCpuUs / 1000;
  return {
    childBusy,
    fillsPerSec,
    seconds,
    agentCpuMs,
    childCpuMs,
    ratio: agentCpuMs / childCpuMs,
    agentCpuMsPerSec: agentCpuMs / wallSec,
    childCpuMsPerSec: childCpuMs / wallSec,
    fillsCommitted: outcome.fillsCommitted,
  };
}

export interface ProtocolThroughput {
  lines: number;
  bytes: number;
  /** Lines split and validated per second of this process's CPU (user + system) by the agent's reader (LineSplitter + readEngineLine). */
  agentLinesPerSec: number;
  /** `JSON.parse` alone on the same lines, per second of CPU. */
  jsonParseLinesPerSec: number;
  /** The same per second of wall time: lower than per CPU second by what the machine's other work took. */
  agentLinesPerWallSec: number;
  jsonParseLinesPerWallSec: number;
  mix: string;
}

/** A fill as an engine commits it over the task protocol: the required fields, seq `seq` (venue A when even), stamped `ts`. */
export function protocolFill(seq: number, ts: number): Record<string, unknown> {
  return {
    seq,
    tradeId: seq >> 1,
    symbol: 'BTC',
    venue: seq % 2 ? 'B' : 'A',
    side: 'BUY',
    kind: 'OPEN',
    reason: 'ENTRY',
    qty: 0.5,
    price: 100.25,
    fee: 0.01,
    fxRate: 1,
    ts,
  };
}

/** Protocol lines as an engine writes them: progress messages, and commits of `fillsPerCommit` fills, one in ten lines. */
function protocolLines(count: number, fillsPerCommit: number): string[] {
  const lines: string[] = [];
  let seq = 0;
  for (let i = 0; i < count; i++) {
    if (i % 10 === 9) {
      const fills = [];
      for (let f = 0; f < fillsPerCommit; f++, seq++) {
        fills.push(protocolFill(seq, 1_767_225_600_000 + i));
      }
      lines.push(JSON.stringify({ type: 'commit', seq: i, fills, checkpoint: { i } }));
    } else {
      lines.push(
        JSON.stringify({
          type: 'progress',
          counter: i,
          trades: i >> 3,
          openPositions: 1,
          realizedPnlMicros: -1500 + i,
          ticks: i * 4,
          eventTime: 1_767_225_600_000 + i,
        }),
      );
    }
  }
  return lines;
}

/**
 * The agent's reader against `JSON.parse` alone over the same lines, best of five rounds each, per
 * second of this process's CPU time (what the reader costs, whatever else the machine runs) and per
 * second of wall time (what it did here, shared).
 */
export function benchProtocol(count = 200_000, fillsPerCommit = 2): ProtocolThroughput {
  const lines = protocolLines(count, fillsPerCommit);
  const text = Buffer.from(`${lines.join('\n')}\n`);
  const chunks: Buffer[] = [];
  for (let at = 0; at < text.length; at += 65_536) chunks.push(text.subarray(at, Math.min(text.length, at + 65_536)));
  const best = (round: () => void) => {
    let cpuMs = Infinity;
    let wallMs = Infinity;
    for (let r = 0; r < 5; r++) {
      const wall0 = performance.now();
      const cpu0 = process.cpuUsage();
      round();
      const cpu = process.cpuUsage(cpu0);
      cpuMs = Math.min(cpuMs, (cpu.user + cpu.system) / 1000);
      wallMs = Math.min(wallMs, performance.now() - wall0);
    }
    return { cpuMs, wallMs };
  };
  let messages = 0;
  const agentMs = best(() => {
    messages = 0;
    const splitter = new LineSplitter(
      MAX_LINE_BYTES,
      (line) => {
        if (readEngineLine(line).kind === 'message') messages++;
      },
      () => undefined,
    );
    for (const chunk of chunks) splitter.push(chunk);
    splitter.end();
  });
  if (messages !== count) throw new Error(`bench: ${messages} of ${count} lines read as messages`);
  let sink = 0;
  const parseMs = best(() => {
    for (const line of lines) sink += (JSON.parse(line) as { seq?: number }).seq ?? 0;
  });
  if (sink < 0) throw new Error('unreachable');
  return {
    lines: count,
    bytes: text.length,
    agentLinesPerSec: count / (agentMs.cpuMs / 1000),
    jsonParseLinesPerSec: count / (parseMs.cpuMs / 1000),
    agentLinesPerWallSec: count / (agentMs.wallMs / 1000),
    jsonParseLinesPerWallSec: count / (parseMs.wallMs / 1000),
    mix: `9 progress : 1 commit of ${fillsPerCommit} fills`,
  };
}

const count = (n: number) => Math.round(n).toLocaleString('en-US');

/** The bench's text: both measurements. */
export function agentBenchText(cpu: AgentCpuResult[], protocol: ProtocolThroughput[]): string {
  const rows = cpu.map(
    (r) =>
      `  child ${r.childBusy ? 'computing at full speed' : 'idle between batches   '}: agent ${r.agentCpuMs.toFixed(0)} ms CPU, child ${r.childCpuMs.toFixed(0)} ms (${(r.childCpuMsPerSec / 10).toFixed(0)} % of a core) over ${r.seconds} s at ${r.fillsPerSec} fills/s → agent ${(r.ratio * 100).toFixed(2)} % of the child's CPU; ${(r.agentCpuMsPerSec / 10).toFixed(2)} % of one core (${r.fillsCommitted} fills committed, store writes left out)`,
  );
  const proto = protocol.map(
    (p) =>
      `  ${p.mix}: agent reader ${count(p.agentLinesPerSec)} messages per CPU second (${count(p.agentLinesPerWallSec)} per wall second), JSON.parse alone ${count(p.jsonParseLinesPerSec)} (${count(p.jsonParseLinesPerWallSec)}) lines/s (${p.lines.toLocaleString('en-US')} lines, ${(p.bytes / 2 ** 20).toFixed(1)} MiB)`,
  );
  const load = loadavg()
    .map((l) => l.toFixed(2))
    .join(' ');
  return [
    `Agent (issue 18): CPU beside an engine, heartbeat every 1 s, after a warm-up run (load average ${load} at the end)`,
    ...rows,
    'Task protocol over stdio: engine lines read and validated',
    ...proto,
  ].join('\n');
}
