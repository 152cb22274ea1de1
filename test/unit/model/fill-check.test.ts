/**
 * `isFill` (core/model/fill-check.ts), the stores' cheap check of fills read back and committed,
 * says yes exactly when `FillSchema` does on plain objects: on fills as the engine writes them and
 * on every field set to each odd value, removed, or joined by a key the schema does not know, plus
 * random objects; and no on objects that are not plain (zod decides those).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isFill } from '../../../core/model/fill-check.js';
import { FillSchema } from '../../../core/model/fill.js';

const PLAIN = {
  seq: 0,
  tradeId: 0,
  symbol: 'BTC',
  venue: 'A',
  side: 'BUY',
  kind: 'OPEN',
  reason: 'ENTRY',
  qty: 0.01,
  price: 1.2e8,
  fee: 600,
  fxRate: 1380.5,
  ts: 1.7e12,
  generation: 0,
};
const FULL = {
  ...PLAIN,
  eventTs: 1.7e12,
  wallTs: 1.7e12 + 5,
  quoteTsA: 1.7e12 - 300_000,
  quoteTsB: 1.7e12,
  staleQuote: true,
  decisionPrice: 1.19e8,
  orderedQty: 0.02,
  unsized: false,
  beyondBookQty: 0.009,
};
const ODD: unknown[] = [
  -1,
  -0,
  0,
  1,
  0.5,
  -0.5,
  2 ** 53,
  2 ** 53 - 1,
  Number.NaN,
  Number.POSITIVE_INFINITY,
  Number.NEGATIVE_INFINITY,
  '1',
  '',
  'A',
  'B',
  'C',
  'BUY',
  'SELL',
  'OPEN',
  'CLOSE',
  'ENTRY',
  'STOP_LOSS',
  'CAMPAIGN_END',
  'entry',
  null,
  true,
  false,
  undefined,
  [],
  {},
  [1],
];

function agree(value: unknown): void {
  expect({ value, isFill: isFill(value) }).toEqual({ value, isFill: FillSchema.safeParse(value).success });
}

describe('isFill agrees with FillSchema', () => {
  it('on fills as written and on every field mutated, removed or joined by an unknown key', () => {
    let refused = 0;
    for (const base of [PLAIN, FULL]) {
      agree(base);
      expect(isFill(base)).toBe(true);
      for (const key of Object.keys(FULL)) {
        for (const odd of ODD) {
          const mutated = { ...base, [key]: odd };
          agree(mutated);
          if (!isFill(mutated)) refused++;
        }
        const { [key]: _gone, ...without } = base as Record<string, unknown>;
        agree(without);
      }
      agree({ ...base, extra: 1 });
      agree(JSON.parse(`{"__proto__": 1, ${JSON.stringify(base).slice(1)}`));
    }
    for (const odd of ODD) agree(odd);
    expect(refused).toBeGreaterThan(500); // the corpus exercises refusals, not only yeses
  });

  it('on null-prototype objects; an object inheriting its fields or a class instance is left to zod (no), and zod gives back own fields', () => {
    for (const base of [PLAIN, FULL]) {
      agree(Object.assign(Object.create(null), base));
      agree(Object.assign(Object.create(null), base, { price: -1 }));
      // zod reads inherited fields and accepts; a store writing the value as given would keep none of them.
      const inheriting: unknown = Object.create(base);
      expect(FillSchema.safeParse(inheriting).success).toBe(true);
      expect(isFill(inheriting)).toBe(false);
      expect(FillSchema.parse(inheriting)).toEqual(base);
      class Leg {}
      const instance = Object.assign(new Leg(), base);
      expect(FillSchema.safeParse(instance).success).toBe(true);
      expect(isFill(instance)).toBe(false);
    }
  });

  it('on random objects shaped like fills', () => {
    const field = fc.oneof(fc.constantFrom(...ODD), fc.double(), fc.integer(), fc.string({ maxLength: 3 }));
    const keys = [...Object.keys(FULL), 'extra'];
    fc.assert(
      fc.property(fc.dictionary(fc.constantFrom(...keys), field), fc.boolean(), (overrides, fromFull) => {
        agree({ ...(fromFull ? FULL : PLAIN), ...overrides });
      }),
      { numRuns: 3000 },
    );
  });
});
