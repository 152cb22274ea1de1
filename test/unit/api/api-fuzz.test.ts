/**
 * Property-based fuzz of the API handler: bad requests of every kind, against the handler wired
 * to a fake fleet that runs the real config validation. Every answer must be a 4xx with a JSON
 * `{ error, message }` body, never a 5xx, and nothing may be created.
 */
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { createApiHandler, DEFAULT_MAX_BODY_BYTES } from '../../../core/api/api-handler.js';
import type { ApiRequest } from '../../../core/api/http-types.js';
import { campaignInput } from '../../support/campaigns.js';
import { FakeFleetApi } from '../../support/fake-fleet-api.js';

/** Runs per kind of bad request; `API_FUZZ_RUNS=5000` searches harder. */
const RUNS_PER_KIND = Number(process.env.API_FUZZ_RUNS ?? 100);
let requestsSent = 0;

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

/** A valid config with every section spelled out, so every field path exists to break. */
function validConfig(): { [key: string]: Json } {
  return structuredClone({
    ...campaignInput(),
    description: 'fuzz base',
    strategy: { entryBps: 40, exitBps: 5, takeProfitBps: 30, stopLossBps: 60, maxHolding: '2m', orderNotional: 1000 },
    risk: { maxOpenTrades: 20, maxOpenTradesPerSymbol: 2, maxNotionalPerSymbol: 5000 },
    sharding: { symbolsPerShard: 2 },
    watchdog: {
      heartbeatInterval: 10,
      staleAfter: 45,
      launchTimeout: 180,
      maxRestarts: 5,
      restartWindow: '1h',
      backoff: { initial: 5, max: 300, multiplier: 2, resetAfter: 600 },
      memoryRecycleAt: 0.8,
    },
    task: { cpu: 512, memoryMiB: 1024 },
    monitor: { interval: 10, flushInterval: 0.5 },
    onShardFailure: 'fail',
  }) as { [key: string]: Json };
}

const JSON_TYPE = { 'content-type': 'application/json' };

function post(body: string, headers: Record<string, string | undefined> = JSON_TYPE): ApiRequest {
  return { method: 'POST', path: '/campaigns', headers, body };
}

/** Sets `path` inside `target` to `value` as an own, enumerable property (even `__proto__`). */
function setAt(target: { [key: string]: Json }, path: readonly (string | number)[], value: Json): void {
  let node: any = target;
  for (const key of path.slice(0, -1)) node = node[key];
  Object.defineProperty(node, path[path.length - 1] as PropertyKey, { value, enumerable: true, configurable: true, writable: true });
}

/** Sends each request to a fresh fake fleet and checks the invariant: 4xx, JSON error body, no write. */
async function expectRefused(req: ApiRequest, expectedStatus?: number): Promise<void> {
  requestsSent++;
  const fleet = new FakeFleetApi();
  const handler = createApiHandler(fleet, { log: () => {} });
  const response = await handler(req);
  const context = `${req.method} ${req.path.slice(0, 80)} -> ${response.status} ${response.body.slice(0, 300)}`;
  expect(response.status, context).toBeGreaterThanOrEqual(400);
  expect(response.status, context).toBeLessThan(500);
  if (expectedStatus !== undefined) expect(response.status, context).toBe(expectedStatus);
  expect(response.headers['content-type'], context).toMatch(/^application\/json/);
  const body = JSON.parse(response.body) as { error: unknown; message: unknown };
  expect(typeof body.error, context).toBe('string');
  expect(typeof body.message, context).toBe('string');
  expect(fleet.writes, context).toBe(0);
  expect(fleet.campaigns.size, context).toBe(0);
}

const anyJson: fc.Arbitrary<Json> = fc.jsonValue() as fc.Arbitrary<Json>;

/** Field paths by the kind of value they take, for wrong-type values. */
const NUMBER_FIELDS: (string | number)[][] = [
  ['venues', 'a', 'takerFeeBps'],
  ['venues', 'b', 'takerFeeBps'],
  ['fx', 'rate'],
  ['strategy', 'entryBps'],
  ['strategy', 'exitBps'],
  ['strategy', 'orderNotional'],
  ['risk', 'maxOpenTrades'],
  ['risk', 'maxNotionalPerSymbol'],
  ['feed', 'seed'],
  ['feed', 'ticksPerSecond'],
  ['sharding', 'symbolsPerShard'],
  ['watchdog', 'maxRestarts'],
  ['watchdog', 'memoryRecycleAt'],
  ['watchdog', 'backoff', 'multiplier'],
  ['task', 'cpu'],
  ['task', 'memoryMiB'],
];
const STRING_FIELDS: (string | number)[][] = [
  ['name'],
  ['description'],
  ['venues', 'a', 'name'],
  ['venues', 'b', 'quoteCurrency'],
  ['fx', 'pair'],
  ['feed', 'kind'],
  ['onShardFailure'],
  ['symbols', 0],
];
const DURATION_FIELDS: (string | number)[][] = [
  ['duration'],
  ['strategy', 'maxHolding'],
  ['watchdog', 'heartbeatInterval'],
  ['watchdog', 'staleAfter'],
  ['watchdog', 'backoff', 'initial'],
  ['monitor', 'interval'],
];
const OBJECT_FIELDS: (string | number)[][] = [
  ['venues'],
  ['venues', 'a'],
  ['fx'],
  ['strategy'],
  ['risk'],
  ['feed'],
  ['sharding'],
  ['watchdog'],
  ['watchdog', 'backoff'],
  ['task'],
  ['monitor'],
];

const notANumber = fc.oneof(
  fc.string(),
  fc.boolean(),
  fc.constant(null),
  fc.array(fc.integer(), { maxLength: 3 }),
  fc.dictionary(fc.string(), fc.integer(), { maxKeys: 2 }),
);
const notAString = fc.oneof(
  fc.double(),
  fc.integer(),
  fc.boolean(),
  fc.constant(null),
  fc.array(fc.string(), { maxLength: 3 }),
  fc.dictionary(fc.string(), fc.string(), { maxKeys: 2 }),
);
const notADuration = fc.oneof(
  fc.boolean(),
  fc.constant(null),
  fc.array(fc.integer(), { maxLength: 3 }),
  fc.dictionary(fc.string(), fc.integer(), { maxKeys: 2 }),
  fc.string().filter((s) => !/^(\d+(\.\d+)?(ms|s|m|h|d))+$/.test(s.trim().replace(/\s+/g, ''))),
);
const notAnObject = fc.oneof(fc.string(), fc.double(), fc.boolean(), fc.constant(null), fc.array(anyJson, { maxLength: 3 }));

const wrongType = fc.oneof(
  fc.tuple(fc.constantFrom(...NUMBER_FIELDS), notANumber),
  fc.tuple(fc.constantFrom(...STRING_FIELDS), notAString),
  fc.tuple(fc.constantFrom(...DURATION_FIELDS), notADuration),
  fc.tuple(fc.constantFrom(...OBJECT_FIELDS), notAnObject),
  fc.tuple(fc.constant(['symbols']), fc.oneof(fc.string(), fc.integer(), fc.boolean(), fc.constant(null))),
);

/**
 * Numbers below `min` (or at it, when `min` itself is excluded, as for positive fields) or above
 * `max`, or, for integer fields, fractions within the range. Finite, since JSON has no NaN.
 */
function outside(min: number, max: number, { integer = false, minExcluded = false } = {}): fc.Arbitrary<number> {
  const values = fc.oneof(
    // -0 is sent as 0, which may be in range
    fc.double({ max: min, maxExcluded: !minExcluded, noNaN: true, noDefaultInfinity: true, min: -1e15 }).filter((v) => !Object.is(v, -0)),
    fc.double({ min: max, minExcluded: true, noNaN: true, noDefaultInfinity: true, max: 1e15 }),
  );
  if (!integer) return values;
  return fc.oneof(
    values,
    fc.double({ min, max, noNaN: true }).filter((v) => !Number.isInteger(v)),
  );
}
const outOfRange = fc.oneof(
  fc.tuple(fc.constant(['venues', 'a', 'takerFeeBps']), outside(0, 100)),
  fc.tuple(fc.constant(['fx', 'rate']), outside(0, 1e7, { minExcluded: true })),
  fc.tuple(fc.constant(['strategy', 'entryBps']), outside(0.1, 2000)),
  fc.tuple(fc.constant(['strategy', 'stopLossBps']), outside(0, 5000, { minExcluded: true })),
  fc.tuple(fc.constant(['risk', 'maxOpenTrades']), outside(1, 100_000, { integer: true })),
  fc.tuple(fc.constant(['feed', 'seed']), outside(0, 2 ** 31 - 1, { integer: true })),
  fc.tuple(fc.constant(['sharding', 'symbolsPerShard']), outside(1, 100, { integer: true })),
  fc.tuple(fc.constant(['watchdog', 'maxRestarts']), outside(0, 1000, { integer: true })),
  fc.tuple(fc.constant(['watchdog', 'memoryRecycleAt']), outside(0, 1, { minExcluded: true })),
  fc.tuple(fc.constant(['task', 'memoryMiB']), outside(512, 30_720, { integer: true })),
  fc.tuple(
    fc.constant(['task', 'cpu']),
    fc.integer().filter((n) => ![256, 512, 1024, 2048, 4096].includes(n)),
  ),
  fc.tuple(fc.constant(['duration']), outside(1, 30 * 86_400)),
  fc.tuple(fc.constant(['monitor', 'flushInterval']), outside(0.01, 60)),
  fc.tuple(fc.constant(['symbols']), fc.record({ top: fc.oneof(fc.integer({ max: 0 }), fc.integer({ min: 1001 })) }) as fc.Arbitrary<Json>),
);

/** Keys no schema level has, including ones a careless `obj[key] = …` would turn into a prototype. */
const unknownKey = fc.oneof(
  fc.constantFrom('__proto__', 'constructor', 'toString', 'hasOwnProperty', 'Name', 'entrybps', 'extra', ''),
  fc.string().map((s) => `x-${s}`),
);

describe('API fuzz: bad requests are refused with a 4xx and write nothing', () => {
  it('malformed JSON bodies → 400', async () => {
    const text = JSON.stringify(validConfig());
    const malformed = fc.oneof(
      fc.integer({ min: 0, max: text.length - 1 }).map((n) => text.slice(0, n)),
      fc.string().filter((s) => {
        try {
          JSON.parse(s);
          return false;
        } catch {
          return true;
        }
      }),
      fc
        .tuple(fc.integer({ min: 1, max: text.length - 1 }), fc.constantFrom('}', ',', ']', '"', "'", 'NaN', '\u0000', '//'))
        .map(([at, junk]) => text.slice(0, at) + junk + text.slice(at))
        .filter((s) => {
          try {
            JSON.parse(s);
            return false;
          } catch {
            return true;
          }
        }),
    );
    await fc.assert(
      fc.asyncProperty(malformed, async (body) => expectRefused(post(body), 400)),
      { numRuns: RUNS_PER_KIND },
    );
  });

  it('bodies that are not UTF-8 → 400', async () => {
    const bytes = fc.uint8Array({ minLength: 1, maxLength: 200 }).filter((b) => {
      try {
        new TextDecoder('utf-8', { fatal: true }).decode(b);
        return false;
      } catch {
        return true;
      }
    });
    await fc.assert(
      fc.asyncProperty(bytes, async (b) => expectRefused({ ...post(''), body: Buffer.from(b).toString('base64'), isBase64Encoded: true }, 400)),
      { numRuns: RUNS_PER_KIND },
    );
  });

  it('well-formed JSON that is not a config object → 400', async () => {
    const notAConfig = anyJson.filter((v) => v === null || typeof v !== 'object' || Array.isArray(v) || !('name' in v));
    await fc.assert(
      fc.asyncProperty(notAConfig, async (value) => expectRefused(post(JSON.stringify(value)), 400)),
      { numRuns: RUNS_PER_KIND },
    );
  });

  it('fields of the wrong type → 400 naming the field', async () => {
    await fc.assert(
      fc.asyncProperty(wrongType, async ([path, value]) => {
        const config = validConfig();
        setAt(config, path, value);
        await expectRefused(post(JSON.stringify(config)), 400);
      }),
      { numRuns: RUNS_PER_KIND },
    );
  });

  it('values out of range → 400', async () => {
    await fc.assert(
      fc.asyncProperty(outOfRange, async ([path, value]) => {
        const config = validConfig();
        setAt(config, path, value);
        await expectRefused(post(JSON.stringify(config)), 400);
      }),
      { numRuns: RUNS_PER_KIND },
    );
  });

  it('huge arrays → 400 (or 413 past the size limit)', async () => {
    const huge = fc.oneof(
      fc.integer({ min: 1001, max: 8000 }).map((n) => ['symbols', Array.from({ length: n }, (_, i) => `S${i}`)] as const),
      fc.integer({ min: 1001, max: 8000 }).map((n) => ['symbols', Array.from({ length: n }, () => 'BTC')] as const),
      fc.tuple(fc.constantFrom('strategy', 'venues', 'task'), fc.array(fc.integer(), { minLength: 500, maxLength: 5000 })),
      fc.array(fc.constant('BTC'), { minLength: 2, maxLength: 1000 }).map((a) => ['symbols', a] as const),
    );
    await fc.assert(
      fc.asyncProperty(huge, async ([field, array]) => {
        const config = validConfig();
        setAt(config, [field], [...array]);
        const body = JSON.stringify(config);
        await expectRefused(post(body), Buffer.byteLength(body) > DEFAULT_MAX_BODY_BYTES ? 413 : 400);
      }),
      { numRuns: RUNS_PER_KIND },
    );
    await expectRefused(post(JSON.stringify(Array.from({ length: 10_000 }, (_, i) => i))), 400);
  });

  it('unknown fields at any level → 400', async () => {
    const levels = [
      [],
      ['venues'],
      ['venues', 'a'],
      ['fx'],
      ['strategy'],
      ['risk'],
      ['feed'],
      ['sharding'],
      ['watchdog'],
      ['watchdog', 'backoff'],
      ['task'],
      ['monitor'],
    ];
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...levels), unknownKey, anyJson, async (level, key, value) => {
        const config = validConfig();
        setAt(config, [...level, key], value);
        await expectRefused(post(JSON.stringify(config)), 400);
      }),
      { numRuns: RUNS_PER_KIND },
    );
  });

  it('odd campaign ids → 404', async () => {
    const oddId = fc
      .oneof(
        fc.string({ minLength: 1 }),
        fc.string({ unit: 'grapheme', minLength: 1 }),
        fc.stringMatching(/^[A-Za-z0-9_-]{65,200}$/),
        fc.stringMatching(/^[A-Za-z0-9_-]{1,64}$/),
        fc.uint8Array({ minLength: 1, maxLength: 30 }).map((b) => [...b].map((x) => `%${x.toString(16).padStart(2, '0')}`).join('')),
        fc.constantFrom('..', '.', '%2e%2e', '%2F', '%', '%zz', 'a b', 'c-1;drop', 'c-1\u0000', 'constructor', '__proto__'),
      )
      .filter((id) => !/[/?#]/.test(id));
    const route = fc.constantFrom(['GET', ''], ['POST', '/stop'], ['GET', '/report']);
    await fc.assert(
      fc.asyncProperty(oddId, route, async (id, [method, suffix]) =>
        expectRefused({ method, path: `/campaigns/${id}${suffix}`, headers: {}, body: undefined }, 404),
      ),
      { numRuns: RUNS_PER_KIND },
    );
  });

  it('odd methods on known paths → 405', async () => {
    const allowed: Record<string, string[]> = {
      '/': ['GET'],
      '/campaigns': ['GET', 'POST'],
      '/campaigns/c-1': ['GET'],
      '/campaigns/c-1/stop': ['POST'],
      '/campaigns/c-1/report': ['GET'],
    };
    const method = fc.oneof(
      fc.constantFrom(
        'PUT',
        'DELETE',
        'PATCH',
        'HEAD',
        'OPTIONS',
        'TRACE',
        'CONNECT',
        'get',
        'Post',
        '',
        ' GET',
        'GET ',
        '__proto__',
        'constructor',
        'hasOwnProperty',
      ),
      fc.string(),
    );
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...Object.keys(allowed)), method, async (path, m) => {
        fc.pre(!allowed[path]?.includes(m));
        await expectRefused({ method: m, path, headers: JSON_TYPE, body: JSON.stringify(validConfig()) }, 405);
      }),
      { numRuns: RUNS_PER_KIND },
    );
  });

  it('unknown routes → 404', async () => {
    const known = /^(|\/campaigns|\/campaigns\/[^/]*|\/campaigns\/[^/]*\/(stop|report))$/;
    const path = fc
      .oneof(
        fc.webPath(),
        fc.string(),
        fc.string().map((s) => `/campaigns/c-1/${s}`),
        fc.string().map((s) => `/${s}/campaigns`),
      )
      .filter((p) => !p.startsWith('/') || !known.test(p.split(/[?#]/)[0]!.replace(/\/+$/, '')));
    await fc.assert(
      fc.asyncProperty(path, fc.constantFrom('GET', 'POST'), async (p, method) => expectRefused({ method, path: p, headers: JSON_TYPE, body: undefined }, 404)),
      { numRuns: RUNS_PER_KIND },
    );
  });

  it('odd content types on POST /campaigns → 415', async () => {
    const contentType = fc.oneof(
      fc.constantFrom(
        undefined,
        '',
        'text/plain',
        'application/xml',
        'application/jsonp',
        'application/json-patch+json',
        'json',
        'application/*',
        '*/*',
        'multipart/form-data; boundary=x',
        'application/json; charset=latin1',
        'application/json; charset=utf-16',
        'application/json; q=1',
        'application/json, text/plain',
      ),
      fc.string().filter((s) => s.split(';')[0]!.trim().toLowerCase() !== 'application/json'),
    );
    await fc.assert(
      fc.asyncProperty(contentType, async (ct) => expectRefused(post(JSON.stringify(validConfig()), { 'content-type': ct }), 415)),
      { numRuns: RUNS_PER_KIND },
    );
  });

  it('malformed Idempotency-Key headers on a valid create → 400', async () => {
    const key = fc
      .oneof(fc.string(), fc.stringMatching(/^[A-Za-z0-9_-]{129,300}$/), fc.constantFrom('', ' ', 'a b', 'a,b', 'ключ', 'k\u0000'))
      .filter((k) => !/^[A-Za-z0-9_-]{1,128}$/.test(k));
    await fc.assert(
      fc.asyncProperty(key, async (k) => expectRefused(post(JSON.stringify(validConfig()), { ...JSON_TYPE, 'idempotency-key': k }), 400)),
      { numRuns: RUNS_PER_KIND },
    );
  });

  it('oversize bodies, even valid configs padded out → 413', async () => {
    const oversize = fc.tuple(
      fc.integer({ min: DEFAULT_MAX_BODY_BYTES + 1, max: 4 * DEFAULT_MAX_BODY_BYTES }),
      fc.constantFrom(' ', 'x', '\u00e9', '\u{1F600}'),
      fc.boolean(),
      fc.constantFrom(undefined, 'application/json', 'text/plain'),
      fc.constantFrom('POST /campaigns', 'GET /campaigns', 'POST /campaigns/c-1/stop'),
    );
    await fc.assert(
      fc.asyncProperty(oversize, async ([size, pad, base64, ct, route]) => {
        const text = JSON.stringify(validConfig());
        const bytes = Buffer.concat([Buffer.from(text), Buffer.from(pad.repeat(Math.ceil((size - text.length) / Buffer.byteLength(pad))))]);
        const [method, path] = route.split(' ') as [string, string];
        const headers = ct === undefined ? {} : { 'content-type': ct };
        const body = base64 ? bytes.toString('base64') : bytes.toString('utf8');
        await expectRefused({ method, path, headers, body, isBase64Encoded: base64 }, 413);
      }),
      { numRuns: RUNS_PER_KIND },
    );
  });

  afterAll(() => {
    expect(requestsSent).toBeGreaterThanOrEqual(500);
  });
});
