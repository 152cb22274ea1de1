import { describe, expect, it } from 'vitest';
import { REJECT_REASONS } from '../../../engine-task/src/risk/risk-limits.js';
import { explainRefusal, REFUSAL_WORDS } from '../../../core/report/refusal-words.js';

describe('refusals explained in words', () => {
  it.each(REJECT_REASONS)("the engine's reason %s has words in the report", (reason) => {
    expect(REFUSAL_WORDS[reason], `core/report/refusal-words.ts: REFUSAL_WORDS has no words for the engine's refusal reason '${reason}'`).toBeTruthy();
    expect(explainRefusal(reason)).toBe(REFUSAL_WORDS[reason]);
  });

  it('explains no reason the engine cannot emit (a renamed reason leaves no stale words)', () => {
    expect(Object.keys(REFUSAL_WORDS).sort()).toEqual([...REJECT_REASONS].sort());
  });

  it('says so for a reason it does not know', () => {
    expect(explainRefusal('brand-new-limit')).toBe('no explanation known to this report (a reason newer than it)');
  });
});
