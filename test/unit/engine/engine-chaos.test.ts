/**
 * The faults an engine injects into itself (`engine-task/src/chaos.ts`), as the runner's loop
 * fires them: each at its wall time and once; `exit` throws `ChaosExit` (exit 1 at once); `stall`
 * holds for good; a fault not yet due does nothing; every firing is logged. The runner's own use
 * is covered by test/unit/engine/runner-progress.test.ts (a stall stops the turns, heartbeats go
 * on) and the fleet's by test/e2e/fleet-chaos.test.ts.
 */
import { describe, expect, it } from 'vitest';
import { ChaosExit, EngineChaos, parseEngineChaos } from '../../../engine-task/src/chaos.js';

function logged(): { lines: string[]; log: { log: (level: string, event: string, fields?: Record<string, unknown>) => void } } {
  const lines: string[] = [];
  return { lines, log: { log: (level, event, fields) => lines.push(`${level} ${event} ${JSON.stringify(fields)}`) } };
}

describe('EngineChaos', () => {
  it('a stall fires at its time, once, and holds from then on', () => {
    const { lines, log } = logged();
    const chaos = new EngineChaos(parseEngineChaos('stall@1000'), log);
    chaos.fire(999);
    expect(chaos.stalled).toBe(false);
    expect(lines).toEqual([]);
    chaos.fire(1000);
    expect(chaos.stalled).toBe(true);
    chaos.fire(5000);
    expect(chaos.stalled).toBe(true);
    expect(lines).toEqual(['warn chaos {"fault":"stall"}']);
  });

  it('an exit throws ChaosExit when due, once; faults given are copied, not fired in place', () => {
    const { lines, log } = logged();
    const faults = parseEngineChaos('exit@2000');
    const chaos = new EngineChaos(faults, log);
    expect(() => chaos.fire(1999)).not.toThrow();
    expect(() => chaos.fire(2000)).toThrow(ChaosExit);
    expect(() => chaos.fire(3000)).not.toThrow();
    expect(chaos.stalled).toBe(false);
    expect(lines).toEqual(['warn chaos {"fault":"exit"}']);
    expect(faults).toEqual([{ fault: 'exit', at: 2000 }]);
  });

  it('no faults: nothing fires, nothing stalls', () => {
    const { lines, log } = logged();
    const chaos = new EngineChaos([], log);
    chaos.fire(Number.MAX_SAFE_INTEGER);
    expect(chaos.stalled).toBe(false);
    expect(lines).toEqual([]);
  });
});
