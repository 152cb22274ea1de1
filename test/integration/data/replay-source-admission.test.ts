/**
 * The local control plane over HTTP refuses a replay campaign whose recorded files cannot be read,
 * with a 400 naming the field and file:line, before anything is stored or launched.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApiHandler } from '../../../core/api/api-handler.js';
import { startLocalApiServer, type LocalApiServer } from '../../../core/api/local-http-server.js';
import { silentLogger } from '../../../core/log.js';
import { LocalFleet } from '../../../cli/local-fleet.js';
import { campaignInput } from '../../support/campaigns.js';

const CASES = new URL('../../fixtures/cases/', import.meta.url).pathname;
let fleet: LocalFleet;
let server: LocalApiServer;

beforeAll(async () => {
  fleet = new LocalFleet({ runDir: mkdtempSync(join(tmpdir(), 'arbfleet-admit-')), log: silentLogger });
  server = await startLocalApiServer(createApiHandler(fleet.campaigns, { log: () => {} }), { port: 0 });
});

afterAll(async () => {
  await server?.close();
  await fleet?.close();
});

async function post(feed: unknown): Promise<{ status: number; body: { issues?: { path: string; message: string }[]; message?: string } }> {
  const response = await fetch(`${server.url}/campaigns`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ ...campaignInput(), symbols: ['BTC'], feed }),
  });
  return { status: response.status, body: (await response.json()) as never };
}

describe('replay sources checked at POST /campaigns', () => {
  it('400 naming file:line for a refused time unit, a naive time without a zone and a missing file', async () => {
    const { status, body } = await post({
      kind: 'replay',
      sources: [
        { venue: 'a', format: 'canonical', timeUnit: 'ms', path: `${CASES}case12-seconds-ts.csv` },
        { venue: 'b', format: 'canonical', path: `${CASES}naive_mixed_with_epoch.csv` },
        { venue: 'fx', format: 'fx-daily', path: join(CASES, 'no-such-rates.csv') },
      ],
    });
    expect(status).toBe(400);
    const text = JSON.stringify(body);
    expect(text).toMatch(/feed\.sources\[0\]\.path.*case12-seconds-ts\.csv:2: ts: timestamp 1700000000 read as milliseconds is year 1970/);
    expect(text).toMatch(/feed\.sources\[1\]\.path.*naive_mixed_with_epoch\.csv:4: ts: .*has no time zone/);
    expect(text).toMatch(/feed\.sources\[2\]\.path.*no-such-rates\.csv: no such file/);
    expect(await fleet.campaigns.listCampaigns()).toEqual([]);
  });

  it('400 naming feed.path when the file is not of the declared format', async () => {
    const { status, body } = await post({ kind: 'replay', format: 'jsonl', path: `${CASES}quoted.csv` });
    expect(status).toBe(400);
    expect(JSON.stringify(body)).toMatch(/feed\.path.*quoted\.csv:1: format: declared jsonl: expected a JSON object per line first/);
    expect(await fleet.campaigns.listCampaigns()).toEqual([]);
  });
});
