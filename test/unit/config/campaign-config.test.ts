import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { describe, expect, it } from 'vitest';
import { parseDurationSeconds } from '../../../core/config/duration.js';
import { campaignJsonSchema, JSON_SCHEMA_PATH, UNIVERSE_MODULE_PATH, universeModule } from '../../../core/config/export-json-schema.js';
import { loadCampaignFile, parseCampaignConfig } from '../../../core/config/load-config.js';
import { ValidationError } from '../../../core/errors.js';
import { campaignInput } from '../../support/campaigns.js';

const dir = mkdtempSync(join(tmpdir(), 'arbfleet-config-'));
function write(name: string, text: string): string {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}

function issuesOf(raw: unknown): string[] {
  try {
    parseCampaignConfig(raw);
  } catch (error) {
    if (error instanceof ValidationError) return error.issues.map((i) => `${i.path}: ${i.message}`);
    throw error;
  }
  return [];
}

describe('campaign config files', () => {
  it('loads every shipped config in configs/', () => {
    const files = readdirSync('configs').filter((f) => f.endsWith('.yaml') && f !== 'universe.yaml');
    expect(files.sort()).toEqual([
      'python-engine.yaml',
      'quickstart-top10.yaml',
      'real-btc-candles-5m.yaml',
      'real-btc-candles.yaml',
      'real-btc-orderbooks.yaml',
      'real-btc-premium.yaml',
      'top10-paper-baseline.yaml',
      'top10-paper-soak.yaml',
      'top20-load.yaml',
      'top50-load.yaml',
    ]);
    const durations = Object.fromEntries(files.map((f) => [f, loadCampaignFile(join('configs', f)).config.duration]));
    expect(durations).toMatchObject({ 'quickstart-top10.yaml': 60, 'top10-paper-baseline.yaml': 300, 'top10-paper-soak.yaml': 3600 });
    expect(loadCampaignFile('configs/top50-load.yaml').symbols).toHaveLength(50);
  });

  it('loads YAML and JSON to the same config', () => {
    const input = campaignInput();
    const fromYaml = loadCampaignFile(write('c.yaml', stringify(input)));
    const fromJson = loadCampaignFile(write('c.json', JSON.stringify(input)));
    expect(fromJson).toEqual(fromYaml);
    expect(fromYaml.config.duration).toBe(600);
    expect(fromYaml.config.watchdog.staleAfter).toBe(45); // a default filled in
  });

  it('names the file, the field path and what was wrong', () => {
    const path = write('bad.yaml', stringify({ ...campaignInput(), strategy: { entryBps: 'high' }, sharding: { symbolsPerShard: 5000 } }));
    expect(() => loadCampaignFile(path)).toThrow(ValidationError);
    const message = (() => {
      try {
        loadCampaignFile(path);
      } catch (error) {
        return (error as Error).message;
      }
    })();
    expect(message).toContain(`${path}: 2 problems`);
    expect(message).toMatch(/strategy\.entryBps: .*expected number/);
    expect(message).toMatch(/sharding\.symbolsPerShard: .*100/);
  });

  it('reports broken YAML with its line, not a stack trace', () => {
    const path = write('broken.yaml', 'name: x\nsymbols: [BTC\nvenues: {}\n');
    expect(() => loadCampaignFile(path)).toThrow(new RegExp(`^${path.replace(/[.]/g, '\\.')}: not valid YAML at line \\d+`));
  });

  it('reports a missing file by its path', () => {
    expect(() => loadCampaignFile(join(dir, 'nope.yaml'))).toThrow(`${join(dir, 'nope.yaml')}: no such file`);
  });

  it('rejects symbols that are not in the universe, by index', () => {
    expect(() => loadCampaignFile(write('u.yaml', stringify(campaignInput({ symbols: ['BTC', 'NOPE'] }))))).toThrow(
      /symbols\[1\]: "NOPE" is not in the symbol universe/,
    );
  });
});

describe('campaign config bounds', () => {
  it('refuses a replay format beside sources, where it would be ignored', () => {
    const sources = [{ venue: 'a', format: 'canonical', path: 'a.csv' }];
    expect(issuesOf(campaignInput({ feed: { kind: 'replay', format: 'csv', sources } as never }))).toEqual([
      'feed.format: format is the shape of path; each source names its own format (sources.N.format)',
    ]);
    expect(issuesOf(campaignInput({ feed: { kind: 'replay', format: 'csv', path: 'a.csv' } as never }))).toEqual([]);
  });

  it('rejects nonsense with the field that holds it', () => {
    expect(issuesOf(campaignInput({ duration: -5 }))).toEqual([expect.stringMatching(/^duration: must be between 1s and/)]);
    expect(issuesOf(campaignInput({ duration: 'soon' }))).toEqual([expect.stringMatching(/^duration: expected a duration/)]);
    expect(issuesOf(campaignInput({ symbols: [] }))[0]).toMatch(/^symbols/);
    expect(issuesOf(campaignInput({ sharding: { symbolsPerShard: 2000 } }))[0]).toMatch(/^sharding\.symbolsPerShard/);
    expect(issuesOf(campaignInput({ symbols: ['BTC', 'BTC'] }))).toEqual(['symbols[1]: "BTC" is listed twice']);
    expect(issuesOf({ ...campaignInput(), surprise: 1 })[0]).toMatch(/surprise/);
  });

  it('rejects thresholds that cannot be met after fees', () => {
    const issues = issuesOf(campaignInput({ strategy: { entryBps: 18, exitBps: 5 } }));
    expect(issues).toHaveLength(1);
    expect(issues[0]).toMatch(/^strategy\.entryBps: cannot be met after fees.*5 \+ 10 = 15 bps/);
    expect(issuesOf(campaignInput({ strategy: { entryBps: 21, exitBps: 5 } }))).toEqual([]);
  });

  it('requires an FX pair that matches the venues when quote currencies differ', () => {
    expect(issuesOf({ ...campaignInput(), fx: undefined })[0]).toMatch(/^fx: required when the quote currencies differ/);
    expect(issuesOf(campaignInput({ fx: { pair: 'KRW/USDT', rate: 1380 } }))).toEqual([
      "fx.pair: must be USDT/KRW (venue B's quote / venue A's quote), got KRW/USDT",
    ]);
  });

  it('keeps the watchdog able to tell a late heartbeat from a dead task', () => {
    expect(issuesOf(campaignInput({ watchdog: { heartbeatInterval: 10, staleAfter: 15 } }))[0]).toMatch(/^watchdog\.staleAfter: must be at least twice/);
  });

  it('parses human durations', () => {
    expect(parseDurationSeconds('1h30m')).toBe(5400);
    expect(parseDurationSeconds('250ms')).toBe(0.25);
    expect(parseDurationSeconds('5 minutes')).toBeUndefined();
  });
});

describe('task size', () => {
  it('takes only sizes Fargate offers, naming task.memoryMiB and the choices for that CPU', () => {
    expect(issuesOf({ ...campaignInput(), task: { cpu: 512, memoryMiB: 3072 } })).toEqual([]);
    expect(issuesOf({ ...campaignInput(), task: { cpu: 512, memoryMiB: 1536 } })).toEqual([
      'task.memoryMiB: 1536 MiB is not a Fargate task size with 512 CPU units: Fargate offers 1024 to 4096 MiB in steps of 1024',
    ]);
    expect(issuesOf({ ...campaignInput(), task: { cpu: 256, memoryMiB: 1536 } })).toEqual([
      'task.memoryMiB: 1536 MiB is not a Fargate task size with 256 CPU units: Fargate offers 512, 1024, 2048 MiB',
    ]);
    expect(issuesOf({ ...campaignInput(), task: { cpu: 4096, memoryMiB: 4096 } })[0]).toMatch(/^task\.memoryMiB: .*8192 to 30720 MiB/);
  });
});

describe('JSON Schema for editors', () => {
  it('is generated from the zod schema and committed up to date (npm run schema)', () => {
    const committed = JSON.parse(readFileSync(JSON_SCHEMA_PATH, 'utf8'));
    expect(committed).toEqual(campaignJsonSchema());
    expect(Object.keys(committed.properties)).toContain('watchdog');
  });
});

describe('the symbol universe compiled into every bundle', () => {
  it('is generated from configs/universe.yaml and committed up to date (npm run schema)', () => {
    expect(readFileSync(UNIVERSE_MODULE_PATH, 'utf8')).toBe(universeModule());
  });

  it('refuses a universe file that breaks the schema, naming the field', () => {
    expect(() => universeModule('symbols:\n  - { base: BTC, refPriceUsd: -1 }\nusdRates: {}\n')).toThrow(/refPriceUsd/);
  });
});
