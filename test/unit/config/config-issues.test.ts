/**
 * A config refusal a user can act on: an unknown field named by its own path with the field it
 * most likely meant, and the line it is on in the file (found trying arbfleet as a new user: a
 * typo'd `entryBsp` was answered `strategy: Unrecognized key: "entryBsp"`, no line, no hint).
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { describe, expect, it } from 'vitest';
import { closest } from '../../../core/config/config-issues.js';
import { loadCampaignFile, parseCampaignConfig } from '../../../core/config/load-config.js';
import { ValidationError } from '../../../core/errors.js';
import { campaignInput } from '../../support/campaigns.js';

const dir = mkdtempSync(join(tmpdir(), 'arbfleet-config-issues-'));

function refusal(run: () => unknown): ValidationError {
  try {
    run();
  } catch (error) {
    if (error instanceof ValidationError) return error;
    throw error;
  }
  throw new Error('expected a ValidationError, nothing was thrown');
}

describe('config refusals', () => {
  it('names an unknown field by its own path and suggests the known field it is a typo of', () => {
    const input = campaignInput();
    const error = refusal(() => parseCampaignConfig({ ...input, strategy: { ...input.strategy, entryBsp: 30 }, watchdg: {} }));
    expect(error.issues).toEqual(
      expect.arrayContaining([
        { path: 'strategy.entryBsp', message: 'unknown field; did you mean "entryBps"?' },
        { path: 'watchdg', message: 'unknown field; did you mean "watchdog"?' },
      ]),
    );
  });

  it("suggests from the union variant the object's kind selects, and lists the known fields when none is near", () => {
    const input = campaignInput();
    const replay = refusal(() => parseCampaignConfig({ ...input, feed: { kind: 'replay', path: 'q.csv', speedd: 2 } }));
    expect(replay.issues).toContainEqual({ path: 'feed.speedd', message: 'unknown field; did you mean "speed"?' });
    // `seed` is a field of the synthetic feed only: never suggested to a replay.
    const notSynthetic = refusal(() => parseCampaignConfig({ ...input, feed: { kind: 'replay', path: 'q.csv', seedd: 2 } }));
    expect(notSynthetic.issues).toEqual([{ path: 'feed.seedd', message: expect.stringMatching(/^unknown field \(known here: kind, .*path/) }]);
    const far = refusal(() => parseCampaignConfig({ ...input, risk: { zzzzzzzz: 1 } }));
    expect(far.issues).toEqual([{ path: 'risk.zzzzzzzz', message: expect.stringMatching(/^unknown field \(known here: .*maxOpenTrades/) }]);
  });

  it('says a required field is missing rather than "received undefined"', () => {
    const { venues: _venues, ...input } = campaignInput();
    expect(refusal(() => parseCampaignConfig(input)).issues).toContainEqual({ path: 'venues', message: 'required, missing (expected object)' });
  });

  it('gives the line of each refused field in the file: file:line for one, line N for several', () => {
    const input = campaignInput();
    const text = stringify({ ...input, strategy: { ...input.strategy, maxHolding: '2 minutes' } });
    const one = join(dir, 'one.yaml');
    writeFileSync(one, text);
    const line = text.split('\n').findIndex((l) => l.includes('maxHolding')) + 1;
    const error = refusal(() => loadCampaignFile(one));
    expect(error.issues).toEqual([expect.objectContaining({ path: 'strategy.maxHolding', line })]);
    expect(error.message).toMatch(new RegExp(`^${one}:${line}: strategy\\.maxHolding: expected a duration`));

    const several = join(dir, 'several.yaml');
    const lines = ['name: several', 'symbols: [BTC, NOTACOIN]', 'venues:', '  a: { name: upbit, quoteCurrency: KRW, takerFeeBps: 5 }'];
    lines.push('  b: { name: binance, quoteCurrency: USDT, takerFeeBps: 10, makerFeeBpz: 1 }', 'duration: 1m');
    writeFileSync(several, `${lines.join('\n')}\n`);
    const both = refusal(() => loadCampaignFile(several));
    expect(both.message).toContain('  - line 5: venues.b.makerFeeBpz: unknown field');
  });

  it('resolves the line of a symbol refused after the schema (the universe check)', () => {
    const path = join(dir, 'symbol.yaml');
    const input = campaignInput();
    const text = stringify({ ...input, symbols: ['BTC', 'NOTACOIN'] });
    writeFileSync(path, text);
    const error = refusal(() => loadCampaignFile(path));
    const line = text.split('\n').findIndex((l) => l.includes('NOTACOIN')) + 1;
    expect(error.issues).toEqual([expect.objectContaining({ path: 'symbols[1]', line })]);
  });

  it('suggests only near names: a swap or a slip, not any field', () => {
    expect(closest('entryBsp', ['entryBps', 'exitBps'])).toBe('entryBps');
    expect(closest('EXITBPS', ['entryBps', 'exitBps'])).toBe('exitBps');
    expect(closest('bogus', ['entryBps', 'exitBps'])).toBeUndefined();
  });
});
