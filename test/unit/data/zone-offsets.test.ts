/**
 * Zone offsets (`core/clock.ts` `zoneOffsets`), shared by the importer's naive timestamps and the
 * schedules' cron rules: remembered per UTC hour, but exact inside an hour that holds a transition.
 * Australia/Lord_Howe moves from +10:30 to +11:00 at 02:00 local on the first Sunday of October,
 * 15:30 UTC: an offset remembered from the hour's start would be 30 minutes wrong until 16:00.
 */
import { describe, expect, it } from 'vitest';
import { zoneOffsets } from '../../../core/clock.js';
import { TimestampParser } from '../../../core/data/timestamps.js';

const MIN = 60_000;
const at = (iso: string) => Date.parse(iso);

describe('zoneOffsets', () => {
  it('is exact on both sides of a transition inside a UTC hour, whichever is asked first', () => {
    const lordHowe = zoneOffsets('Australia/Lord_Howe');
    expect(lordHowe(at('2026-10-03T15:00:00Z'))).toBe(630 * MIN);
    expect(lordHowe(at('2026-10-03T15:45:00Z'))).toBe(660 * MIN);
    expect(lordHowe(at('2026-10-03T15:29:59Z'))).toBe(630 * MIN);
    expect(lordHowe(at('2026-10-03T16:10:00Z'))).toBe(660 * MIN);
    const backwards = zoneOffsets('Australia/Lord_Howe');
    expect(backwards(at('2026-10-03T15:30:00Z'))).toBe(660 * MIN);
    expect(backwards(at('2026-10-03T15:00:01Z'))).toBe(630 * MIN);
  });

  it('gives a whole-hour transition and a zone without one', () => {
    const berlin = zoneOffsets('Europe/Berlin');
    expect(berlin(at('2026-03-29T00:59:59Z'))).toBe(60 * MIN);
    expect(berlin(at('2026-03-29T01:00:00Z'))).toBe(120 * MIN);
    expect(zoneOffsets('Asia/Seoul')(at('2026-07-01T12:34:56Z'))).toBe(540 * MIN);
  });

  it('throws for a zone the platform does not know', () => {
    expect(() => zoneOffsets('Mars/Olympus_Mons')).toThrow(RangeError);
  });
});

describe('TimestampParser: naive times in a zone that moves on the half hour', () => {
  it('reads 02:45 local after the October change in Lord Howe as 15:45 UTC (+11:00), not 16:15', () => {
    const parser = new TimestampParser('auto', 'Australia/Lord_Howe');
    expect(new Date(parser.text('2026-10-04T02:45:00')).toISOString()).toBe('2026-10-03T15:45:00.000Z');
    expect(new Date(parser.text('2026-10-04T01:45:00')).toISOString()).toBe('2026-10-03T15:15:00.000Z');
  });
});
