import { describe, expect, it } from 'vitest';
import { buildReport } from '../../../core/report/build-report.js';
import { renderHtml } from '../../../core/report/render-html.js';
import { renderMarkdown } from '../../../core/report/render-markdown.js';
import { engineText, reportConfigOf } from '../../../core/report/report-config.js';
import { runSummaryLines } from '../../../core/report/run-summary.js';
import { campaignRecord } from '../../contract/record-builders.js';
import { campaignRun } from './report-fixtures.js';

const files = { markdown: 'runs/x/report.md', html: 'runs/x/report.html', json: 'runs/x/report.json' };

describe('the report names the engine that ran', () => {
  it('built-in when the config has no engine (older configs) or says builtin', () => {
    expect(reportConfigOf(campaignRecord('c-1', 1)).engine).toEqual({ kind: 'builtin' });
    const builtin = reportConfigOf(campaignRecord('c-1', 1, { config: { name: 'c-1', engine: { kind: 'builtin' } } })).engine;
    expect(engineText(builtin)).toBe("built-in (arbfleet's own, in process)");
  });

  it('a command behind the agent with its image; no protocol version until the engine says one', () => {
    const config = { name: 'c-2', engine: { kind: 'command', command: ['python3', 'engine.py'], image: 'acme/engine:1', env: { A: '1' } } };
    const engine = reportConfigOf(campaignRecord('c-2', 1, { config })).engine;
    expect(engine).toEqual({ kind: 'command', command: ['python3', 'engine.py'], image: 'acme/engine:1' });
    expect(engineText(engine)).toBe('python3 engine.py in image acme/engine:1 behind the agent, no hello heard');
  });

  it("names the engine by its hello, carried in the agent's heartbeats, not by the config: report, Markdown, HTML and the run summary", () => {
    const input = campaignRun({ config: { engine: { kind: 'command', command: ['python3', 'engine.py'] } } });
    // Shard 0's engine said hello as x-engine 2.0 (task protocol 1) from its third heartbeat on; shard 1's never said it.
    const [first] = Object.keys(input.heartbeats);
    const beats = input.heartbeats[first as string] ?? [];
    for (const heartbeat of beats.slice(2)) heartbeat.progress.engine = { name: 'x-engine', version: '2.0', protocol: 1 };
    const report = buildReport(input);
    expect(report.campaign.engine).toEqual({ kind: 'command', command: ['python3', 'engine.py'], name: 'x-engine', version: '2.0', protocol: 1 });
    const words = 'x-engine 2.0 (python3 engine.py) behind the agent, task protocol v1';
    expect(renderMarkdown(report)).toContain(`- Engine: ${words}`);
    expect(renderHtml(report)).toContain(`<b>${words}</b>`);
    const summary = runSummaryLines({ report, status: 'COMPLETED', endReason: 'done', files });
    expect(summary[1]).toBe(`  engine: ${words}`);
  });

  it('the latest hello heard wins when a later generation runs another version', () => {
    const input = campaignRun({ config: { engine: { kind: 'command', command: ['./engine'] } } });
    const shards = Object.values(input.heartbeats);
    for (const heartbeat of (shards[0] ?? []).slice(0, 3)) heartbeat.progress.engine = { name: 'x-engine', version: '2.0', protocol: 1 };
    const last = (shards[1] ?? []).at(-1);
    if (last) last.progress.engine = { name: 'x-engine', version: '2.1', protocol: 1 };
    expect(buildReport(input).campaign.engine).toMatchObject({ name: 'x-engine', version: '2.1' });
  });

  it('the built-in engine in process has no summary line', () => {
    const report = buildReport(campaignRun());
    expect(report.campaign.engine).toEqual({ kind: 'builtin' });
    expect(runSummaryLines({ report, status: 'COMPLETED', endReason: 'done', files }).some((line) => line.includes('engine:'))).toBe(false);
  });
});
