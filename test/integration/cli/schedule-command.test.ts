/**
 * `arbfleet schedule …` and `arbfleet remote schedule …`, in process: the same commands over the
 * three ways of reaching a control plane: a local HTTP API (`--api`), its data folder (`--data`,
 * the SQLite file a service uses), and a stack's API signed with SigV4. Files are real YAML.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { runCli } from '../../../cli/program.js';
import { cliExitCodeFor } from '../../../core/errors.js';
import { CLI_EXIT } from '../../../core/exit-codes.js';
import { createApiHandler } from '../../../core/api/api-handler.js';
import type { ApiRequest } from '../../../core/api/http-types.js';
import { startLocalApiServer, type LocalApiServer } from '../../../core/api/local-http-server.js';
import { systemClock, VirtualClock } from '../../../core/clock.js';
import type { SqliteCampaignStore } from '../../../core/local/sqlite-campaign-store.js';
import type { ScheduleStore } from '../../../core/ports.js';
import { sqliteStores } from '../../support/sqlite-stores.js';
import { scheduleFleet } from '../../support/schedule-fleet.js';

// Credentials stubbed for one test are not left to the next file of this worker (the suites share it).
afterEach(() => {
  vi.unstubAllEnvs();
});

const dir = mkdtempSync(join(tmpdir(), 'arbfleet-schedule-cli-'));
const data = join(dir, 'data');
const seen: ApiRequest[] = [];
let server: LocalApiServer;
let store: SqliteCampaignStore & ScheduleStore;

/** A campaign config file whose schedule.cron makes it a recurring campaign. */
const CAMPAIGN_YAML = `name: nightly
symbols: [BTC, ETH]
venues:
  a: { name: upbit, quoteCurrency: KRW, takerFeeBps: 5 }
  b: { name: binance, quoteCurrency: USDT, takerFeeBps: 10 }
fx: { pair: USDT/KRW, rate: 1380 }
duration: 5m
schedule: { cron: "0 2 * * *" }
`;

beforeAll(async () => {
  store = sqliteStores(join(data, 'fleet.db'), systemClock);
  const fleet = scheduleFleet(store, new VirtualClock(systemClock.now()));
  const handler = createApiHandler(fleet.campaigns, { schedules: fleet.schedules });
  server = await startLocalApiServer(
    async (req) => {
      seen.push(req);
      return handler(req);
    },
    { port: 0 },
  );
  writeFileSync(join(dir, 'nightly.yaml'), CAMPAIGN_YAML);
});
afterAll(async () => {
  await server.close();
  store.close();
});

/** `arbfleet ARGV` in this process (the real command tree), its usage errors kept in `usageErrors`. */
let usageErrors = '';
const arbfleet = (argv: string[], out: (t: string) => void) => runCli(argv, { out, err: (t) => (usageErrors += t) });

async function run(command: (out: (t: string) => void) => Promise<number>): Promise<{ code: number; body: any }> {
  const { code, text } = await runText(command);
  return { code, body: JSON.parse(text) };
}

/** The command's exit code and what it printed, as text (the people-shaped output). */
async function runText(command: (out: (t: string) => void) => Promise<number>): Promise<{ code: number; text: string }> {
  let printed = '';
  const code = await command((t) => (printed += t));
  return { code, text: printed };
}

describe('arbfleet schedule', () => {
  it('create from a campaign config takes its schedule.cron; flags override the zone', async () => {
    const created = await run((out) =>
      arbfleet(['schedule', '--api', server.url, '--json', 'create', join(dir, 'nightly.yaml'), '--timezone', 'Asia/Seoul'], out),
    );
    expect(created.code).toBe(0);
    expect(created.body.schedule.spec).toMatchObject({ name: 'nightly', cron: '0 2 * * *', timezone: 'Asia/Seoul' });
    expect(created.body.next[0]).toMatch(/T17:00:00\.000Z$/); // 02:00 KST
  });

  it("prints for people by default: the rule, the next runs in the schedule's zone beside UTC and from now, a table for list", async () => {
    const shown = await runText((out) => arbfleet(['schedule', '--api', server.url, 'show', 'nightly', '--next', '2'], out));
    expect(shown.code).toBe(0);
    const lines = shown.text.trimEnd().split('\n');
    expect(lines.slice(0, 3)).toEqual([
      'schedule nightly: cron "0 2 * * *" in Asia/Seoul, overlap skip, catch-up window 1m',
      'state: active · runs 0 · skipped 0 · missed 0',
      'next runs:',
    ]);
    // 02:00 in Seoul is 17:00 UTC the day before; no epoch milliseconds anywhere.
    expect(lines.slice(3, 5)).toEqual([
      expect.stringMatching(/^ {2}\d{4}-\d\d-\d\d 02:00 GMT\+9 {2}\d{4}-\d\d-\d\dT17:00Z {2}in (\d+h)?(\d+m)?$/),
      expect.stringMatching(/^ {2}\d{4}-\d\d-\d\d 02:00 GMT\+9 {2}\d{4}-\d\d-\d\dT17:00Z {2}in 1d(\d+h)?$/),
    ]);
    expect(lines.at(-1)).toBe('runs: none yet');
    expect(shown.text).not.toMatch(/\d{13}/);
    const listed = await runText((out) => arbfleet(['schedule', '--api', server.url, 'list'], out));
    const [header, row] = listed.text.trimEnd().split('\n');
    expect(header?.split(/\s{2,}/)).toEqual(['name', 'cron', 'zone', 'state', 'next run', 'runs', 'skipped', 'missed', 'last campaign']);
    expect(row).toMatch(
      /^nightly {2}"0 2 \* \* \*" {2}Asia\/Seoul {2}active {2}\d{4}-\d\d-\d\d 02:00 GMT\+9 \(\d{4}-\d\d-\d\dT17:00Z, in [\dhm]+\) +0 +0 +0 +-$/,
    );
  });

  it('--data works on the folder directly: pause there, seen through the API', async () => {
    const paused = await runText((out) => arbfleet(['schedule', '--data', data, 'pause', 'nightly', '--note', 'audit'], out));
    expect(paused.code).toBe(0);
    // Paused: no upcoming runs listed for people (the JSON still carries the calendar).
    expect(paused.text).toContain('state: paused: audit · runs 0');
    expect(paused.text).toContain('next runs: none while paused');
    const shown = await run((out) => arbfleet(['schedule', '--api', server.url, '--json', 'show', 'nightly', '--next', '2'], out));
    expect(shown.body.schedule).toMatchObject({ paused: true, note: 'audit' });
    expect(shown.body.next).toHaveLength(2);
  });

  /** What `arbfleet ARGV` ends with: its exit code (`cliExitCodeFor`, as `cli/arbfleet.ts` exits), what it printed and the error's words. */
  async function refusal(argv: string[]): Promise<{ code: number; printed: string; words: string }> {
    let printed = '';
    try {
      const code = await arbfleet(argv, (t) => (printed += t));
      return { code, printed, words: '' };
    } catch (error) {
      return { code: cliExitCodeFor(error), printed, words: error instanceof Error ? error.message : String(error) };
    }
  }

  it('an unknown id exits 1 in words on stderr, saying how to list the schedules; a missing id is a usage error', async () => {
    expect(await refusal(['schedule', '--api', server.url, 'resume', 'nope'])).toEqual({
      code: CLI_EXIT.FAILED,
      printed: '',
      words: 'schedule resume nope: no schedule nope (`arbfleet schedule list` lists the schedules)',
    });
    expect(await arbfleet(['schedule', '--api', server.url, 'trigger'], () => undefined)).toBe(2);
    expect(usageErrors).toContain("arbfleet: missing required argument 'id'\n(see arbfleet schedule trigger --help)");
    await expect(arbfleet(['schedule', '--data', join(dir, 'nowhere'), 'list'], () => undefined)).rejects.toThrow(/no control plane data here/);
  });

  // Found by a new user: every refusal of the API (already exists, not found, a bad zone, a cron that
  // never occurs) was its JSON on stdout, exit 1, a bad file as much as a lost race.
  it('refusals are words, never JSON on stdout: a bad field exit 2 named by the flag or the file line that set it, a taken name exit 1', async () => {
    const zone = await refusal(['schedule', '--api', server.url, 'create', join(dir, 'nightly.yaml'), '--name', 'z1', '--timezone', 'Mars/Olympus']);
    expect(zone).toEqual({
      code: CLI_EXIT.BAD_INPUT,
      printed: '',
      words: '--timezone: "Mars/Olympus" is not an IANA time zone such as Asia/Seoul, Europe/Berlin or UTC',
    });
    const never = join(dir, 'never.yaml');
    writeFileSync(never, CAMPAIGN_YAML.replace('0 2 * * *', '0 0 31 2 *').replace('[BTC, ETH]', '[btc]'));
    const file = await refusal(['schedule', '--json', '--api', server.url, 'create', never, '--name', 'z2']);
    expect(file).toMatchObject({ code: CLI_EXIT.BAD_INPUT, printed: '' });
    expect(file.words.split('\n')).toEqual([
      `${never}: 2 problems`,
      '  - line 8: schedule.cron: "0 0 31 2 *" never occurs: no date matches its day-of-month and month fields together (e.g. February 31st)',
      '  - line 2: symbols[0]: must be an upper-case base asset such as BTC',
    ]);
    const taken = await refusal(['schedule', '--api', server.url, 'create', join(dir, 'nightly.yaml')]);
    expect(taken).toMatchObject({ code: CLI_EXIT.FAILED, printed: '' });
    expect(taken.words).toMatch(
      /^schedule create .*nightly\.yaml: schedule nightly already exists in .*; delete it first or choose another name \(--name gives the schedule another\)$/,
    );
    expect(await refusal(['schedule', '--data', data, 'show', 'nightly', '--next', 'abc'])).toEqual({
      code: CLI_EXIT.BAD_INPUT,
      printed: '',
      words: 'schedule show nightly: --next: must be a whole number, got "abc"',
    });
  });

  // Found trying arbfleet as a new user: a campaign config without schedule.cron was answered with
  // the API's JSON ("cron: Invalid input: expected string, received undefined", no file, exit 1),
  // and `--api notaurl` with "arbfleet: Invalid URL" (exit 1, neither option nor value named).
  it('create without a cron names the file and the field to add; a --api that is not a URL is exit 2 naming it', async () => {
    const plain = join(dir, 'one-off.yaml');
    writeFileSync(plain, CAMPAIGN_YAML.replace('schedule: { cron: "0 2 * * *" }\n', ''));
    const before = seen.length;
    const noCron = arbfleet(['schedule', '--api', server.url, 'create', plain], () => undefined);
    await expect(noCron).rejects.toThrow(
      `${plain}: schedule.cron: missing: when the runs start, e.g. schedule.cron: "0 9 * * 1-5" (a five-field cron rule), or give --cron`,
    );
    await expect(noCron.catch((e: unknown) => cliExitCodeFor(e))).resolves.toBe(CLI_EXIT.BAD_INPUT);
    expect(seen.length).toBe(before); // refused before any request
    const badApi = arbfleet(['schedule', '--api', 'notaurl', 'list'], () => undefined);
    await expect(badApi).rejects.toThrow('--api: not an http(s) URL: "notaurl" (expected arbfleet serve\'s, e.g. http://127.0.0.1:8787)');
    await expect(badApi.catch((e: unknown) => cliExitCodeFor(e))).resolves.toBe(CLI_EXIT.BAD_INPUT);
  });

  it('arbfleet remote schedule signs the same requests with SigV4', async () => {
    vi.stubEnv('AWS_ACCESS_KEY_ID', 'AKIDEXAMPLE');
    vi.stubEnv('AWS_SECRET_ACCESS_KEY', 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY');
    const listed = await run((out) => arbfleet(['remote', '--url', server.url, '--region', 'eu-west-1', 'schedule', '--json', 'list'], out));
    expect(listed.code).toBe(0);
    expect(listed.body.schedules.map((s: { scheduleId: string }) => s.scheduleId)).toEqual(['nightly']);
    expect(seen.at(-1)?.headers.authorization).toMatch(/^AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE\/\d{8}\/eu-west-1\/execute-api\/aws4_request/);
    const deleted = await runText((out) => arbfleet(['remote', '--url', server.url, '--region', 'eu-west-1', 'schedule', 'delete', 'nightly'], out));
    expect(deleted).toEqual({ code: 0, text: 'schedule nightly deleted: no more runs; live runs go on, and its runs stay readable\n' });
    expect(seen.at(-1)).toMatchObject({ method: 'DELETE', path: '/schedules/nightly' });
    expect(await refusal(['remote', '--url', server.url, '--region', 'eu-west-1', 'schedule', 'show', 'nightly'])).toEqual({
      code: CLI_EXIT.FAILED,
      printed: '',
      words: 'remote schedule show nightly: no schedule nightly (`arbfleet remote schedule list` lists the schedules)',
    });
  });
});
