/**
 * The agent's hand-written checks of `progress` and `commit` (`engine-task/src/agent/message-check.ts`)
 * say the same yes or no as the protocol's zod schemas, the contract, over one corpus: valid
 * messages at their edges, then every field of each removed, set to each odd value, and an unknown
 * key added; then random values in random fields (fast-check).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CommitMessageSchema, ProgressMessageSchema } from '../../../../core/model/task-protocol.js';
import { protocolFill } from '../../../../engine-task/bench/agent.js';
import { isCommitMessage, isProgressMessage } from '../../../../engine-task/src/agent/message-check.js';

type Json = Record<string, unknown>;

const fill = (seq: number): Json => protocolFill(seq, 1_767_225_600_000);
const fullFill: Json = {
  ...fill(1),
  venue: 'B',
  side: 'SELL',
  kind: 'CLOSE',
  reason: 'CAMPAIGN_END',
  qty: 0,
  eventTs: 1,
  wallTs: 2,
  quoteTsA: 3,
  quoteTsB: -4,
  staleQuote: false,
  decisionPrice: 1e-9,
  orderedQty: 0,
  unsized: true,
  beyondBookQty: 0,
};

const progressBases: Json[] = [
  { type: 'progress', counter: 0, trades: 0, openPositions: 0, realizedPnlMicros: -(2 ** 53 - 1) },
  {
    type: 'progress',
    counter: 2 ** 53 - 1,
    trades: 3,
    openPositions: 1,
    realizedPnlMicros: 12,
    ticks: 9,
    eventTime: -1.5,
    latency: { p50Us: 0, p99Us: 1.5, maxUs: 2 },
  },
  // Per-venue updates (optional): fx present or absent, a venue before its first update (no lastUpdateAt).
  {
    type: 'progress',
    counter: 4,
    trades: 0,
    openPositions: 0,
    realizedPnlMicros: 0,
    eventTime: 1_767_225_600_000,
    venues: { a: { updates: 3, lastUpdateAt: 1_767_225_599_000.5 }, b: { updates: 0 }, fx: { updates: 1, lastUpdateAt: -2 } },
  },
  {
    type: 'progress',
    counter: 5,
    trades: 0,
    openPositions: 0,
    realizedPnlMicros: 0,
    venues: { a: { updates: 0 }, b: { updates: 2 ** 53 - 1, lastUpdateAt: 0 } },
  },
];
const commitBases: Json[] = [
  { type: 'commit', seq: 0, fills: [], checkpoint: {} },
  { type: 'commit', seq: 3, fills: [fill(0), fullFill], checkpoint: { anything: [1, null] } },
  { type: 'commit', seq: 1, fills: [fill(5)], checkpoint: [] },
  { type: 'commit', seq: 1, fills: [fill(5)], checkpoint: 'opaque' },
  { type: 'commit', seq: 1, fills: [fill(5)], checkpoint: 0 },
  { type: 'commit', seq: 1, fills: [fill(5)], checkpoint: false },
];

/** Values that break some rule of some field: wrong types, signs, fractions, non-finite and unsafe numbers, near misses of enums. */
const ODD_VALUES: unknown[] = [
  undefined,
  null,
  true,
  false,
  '',
  'x',
  'A',
  'B',
  'BUY',
  'SELL',
  'OPEN',
  'CLOSE',
  'ENTRY',
  'REVERSION',
  'TAKE_PROFIT',
  'STOP_LOSS',
  'MAX_HOLDING',
  'CAMPAIGN_END',
  'progress',
  'commit',
  0,
  -0,
  -1,
  1.5,
  1e-9,
  2 ** 53,
  -(2 ** 53),
  2 ** 53 - 1,
  1e308,
  Number.POSITIVE_INFINITY,
  Number.NEGATIVE_INFINITY,
  Number.NaN,
  [],
  [1],
  {},
  { a: 1 },
];

/** Every value a path of `base` can be moved to: removed, each odd value, and the object with an unknown key. */
function mutations(base: Json): { label: string; value: Json }[] {
  const out: { label: string; value: Json }[] = [{ label: 'as is', value: base }];
  const copy = () => structuredClone(base);
  const targets: { label: string; at: (m: Json) => Json | undefined }[] = [{ label: '', at: (m) => m }];
  if (isObject(base.latency)) targets.push({ label: 'latency.', at: (m) => m.latency as Json });
  if (isObject(base.venues)) {
    targets.push({ label: 'venues.', at: (m) => m.venues as Json });
    for (const venue of Object.keys(base.venues)) targets.push({ label: `venues.${venue}.`, at: (m) => (m.venues as Json)[venue] as Json });
  }
  if (Array.isArray(base.fills)) {
    for (let i = 0; i < base.fills.length; i++) targets.push({ label: `fills[${i}].`, at: (m) => (m.fills as Json[])[i] });
  }
  for (const target of targets) {
    const keys = Object.keys(target.at(base) as Json);
    for (const key of keys) {
      for (const odd of ODD_VALUES) {
        const m = copy();
        const into = target.at(m) as Json;
        if (odd === undefined) delete into[key];
        else into[key] = odd;
        out.push({ label: `${target.label}${key} = ${odd === undefined ? '(removed)' : String(JSON.stringify(odd) ?? odd)}`, value: m });
      }
    }
    const extra = copy();
    (target.at(extra) as Json).extra = 1;
    out.push({ label: `${target.label}extra key`, value: extra });
    // A key JSON.parse makes an own property without touching the prototype.
    const proto = copy();
    const at = target.at(proto) as Json;
    Object.defineProperty(at, '__proto__', { value: 1, enumerable: true, configurable: true, writable: true });
    out.push({ label: `${target.label}__proto__ key`, value: proto });
  }
  if (Array.isArray(base.fills)) {
    for (const odd of ODD_VALUES) out.push({ label: `fills = [${String(JSON.stringify(odd) ?? odd)}]`, value: { ...base, fills: [odd] } });
  }
  return out;
}

const isObject = (value: unknown): value is Json => typeof value === 'object' && value !== null && !Array.isArray(value);

describe('the hand-written checks agree with the zod schemas', () => {
  it('progress: every corpus case, accepted or refused alike', () => {
    const cases = progressBases.flatMap(mutations);
    expect(cases.length).toBeGreaterThan(300);
    const disagree = cases.filter((c) => isProgressMessage(c.value) !== ProgressMessageSchema.safeParse(c.value).success).map((c) => c.label);
    expect(disagree).toEqual([]);
    expect(cases.filter((c) => isProgressMessage(c.value)).length, 'the corpus holds valid messages').toBeGreaterThan(10);
  });

  it('commit: every corpus case, accepted or refused alike', () => {
    const cases = commitBases.flatMap(mutations);
    expect(cases.length).toBeGreaterThan(1000);
    const disagree = cases.filter((c) => isCommitMessage(c.value) !== CommitMessageSchema.safeParse(c.value).success).map((c) => c.label);
    expect(disagree).toEqual([]);
    expect(cases.filter((c) => isCommitMessage(c.value)).length, 'the corpus holds valid messages').toBeGreaterThan(30);
  });

  it('the same lines read back from JSON, as the agent gets them', () => {
    const cases = [...progressBases, ...commitBases].flatMap(mutations).flatMap((c) => {
      const text = JSON.stringify(c.value);
      return text === undefined ? [] : [{ label: c.label, value: JSON.parse(text) as Json }];
    });
    const check = (v: Json) => (v.type === 'progress' ? isProgressMessage(v) : isCommitMessage(v));
    const schema = (v: Json) => (v.type === 'progress' ? ProgressMessageSchema : CommitMessageSchema).safeParse(v).success;
    expect(cases.filter((c) => check(c.value) !== schema(c.value)).map((c) => c.label)).toEqual([]);
  });

  it('random values in random fields', () => {
    const value = fc.oneof(fc.jsonValue(), fc.double(), fc.integer(), fc.constantFrom('A', 'B', 'BUY', 'SELL', 'OPEN', 'CLOSE', 'ENTRY', 'MAX_HOLDING'));
    const bases = [...progressBases, ...commitBases];
    fc.assert(
      fc.property(fc.nat(bases.length - 1), fc.nat(40), value, (b, k, v) => {
        const m = structuredClone(bases[b] as Json);
        const into = Array.isArray(m.fills) && m.fills.length > 0 && k % 2 === 0 ? ((m.fills as Json[])[0] as Json) : m;
        const keys = Object.keys(into);
        into[keys[k % keys.length] as string] = v;
        const hand = m.type === 'progress' ? isProgressMessage(m) : isCommitMessage(m);
        const zod = (m.type === 'progress' ? ProgressMessageSchema : CommitMessageSchema).safeParse(m).success;
        return hand === zod;
      }),
      { numRuns: 2000 },
    );
  });
});
