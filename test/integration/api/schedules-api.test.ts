/**
 * The `/schedules` routes through the API handler over the real schedule service, campaign
 * service and SQLite store, on virtual time: statuses, bodies and field-named errors.
 */
import { describe, expect, it } from 'vitest';
import { createApiHandler } from '../../../core/api/api-handler.js';
import { VirtualClock } from '../../../core/clock.js';
import { campaignInput } from '../../support/campaigns.js';
import { scheduleFleet } from '../../support/schedule-fleet.js';
import { sqliteStores } from '../../support/sqlite-stores.js';

const clock = new VirtualClock(Date.parse('2026-02-02T00:00:00Z'));
const store = sqliteStores(':memory:', clock);
const fleet = scheduleFleet(store, clock);
const api = createApiHandler(fleet.campaigns, { schedules: fleet.schedules });
const call = async (method: string, path: string, body?: unknown) => {
  const res = await api({
    method,
    path,
    headers: body === undefined ? {} : { 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: res.status, headers: res.headers, body: res.body === '' ? undefined : JSON.parse(res.body) };
};
const spec = { name: 'nightly', cron: '0 2 * * *', timezone: 'Europe/Berlin', campaign: campaignInput({ name: 'nightly-run' }) };

describe('/schedules', () => {
  it('POST creates (201, Location) and answers the next occurrences; a second POST of the name is 409', async () => {
    const created = await call('POST', '/schedules', spec);
    expect(created.status).toBe(201);
    expect(created.headers.location).toBe('/schedules/nightly');
    expect(created.body.next.slice(0, 2)).toEqual(['2026-02-02T01:00:00.000Z', '2026-02-03T01:00:00.000Z']);
    expect((await call('POST', '/schedules', spec)).status).toBe(409);
  });

  it('POST with an impossible cron and a bad zone is 400 naming both fields', async () => {
    const res = await call('POST', '/schedules', { ...spec, name: 'bad', cron: '0 0 31 2 *', timezone: 'Berlin' });
    expect(res.status).toBe(400);
    expect(res.body.issues.map((i: { path: string }) => i.path)).toEqual(['cron', 'timezone']);
    expect(res.body.message).toMatch(/never occurs/);
  });

  it('GET lists; GET /schedules/{id}?next=3 gives three occurrences; a bad next is 400', async () => {
    expect((await call('GET', '/schedules')).body.schedules.map((s: { scheduleId: string }) => s.scheduleId)).toEqual(['nightly']);
    expect((await call('GET', '/schedules/nightly?next=3')).body.next).toHaveLength(3);
    expect((await call('GET', '/schedules/nightly?next=x')).status).toBe(400);
    expect((await call('GET', '/schedules/nightly?next=1000')).status).toBe(400);
  });

  it('pause with a note, resume, trigger (201, then 409 under skip), delete (204, then 404)', async () => {
    expect((await call('POST', '/schedules/nightly/pause', { note: 'venue maintenance' })).body.schedule).toMatchObject({
      paused: true,
      note: 'venue maintenance',
    });
    expect((await call('POST', '/schedules/nightly/resume')).body.schedule.paused).toBe(false);
    const trigger = await call('POST', '/schedules/nightly/trigger');
    expect(trigger.status).toBe(201);
    expect(trigger.body).toMatchObject({ outcome: 'started', campaignId: expect.any(String) });
    expect((await call('GET', `/campaigns/${trigger.body.campaignId}`)).body.campaign).toMatchObject({ scheduleId: 'nightly', occurrence: clock.now() });
    const again = await call('POST', '/schedules/nightly/trigger');
    expect(again.status).toBe(409);
    expect(again.body.message).toMatch(/overlap policy is skip/);
    expect((await call('DELETE', '/schedules/nightly')).status).toBe(204);
    expect((await call('GET', '/schedules/nightly')).status).toBe(404);
    expect((await call('POST', '/schedules/nightly/trigger')).status).toBe(404);
  });

  it('ids that cannot be schedules are 404 without asking; other methods are 405', async () => {
    expect((await call('GET', '/schedules/Not_A_Name')).status).toBe(404);
    expect((await call('PUT', '/schedules/nightly')).status).toBe(405);
  });

  it('a handler without schedules answers 404 on /schedules', async () => {
    const bare = createApiHandler(fleet.campaigns);
    expect((await bare({ method: 'GET', path: '/schedules', headers: {}, body: undefined })).status).toBe(404);
  });
});
