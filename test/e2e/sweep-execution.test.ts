/**
 * `arbfleet sweep` varies the execution settings like any other (issue 19): three real `arbfleet
 * run` campaigns over the same recorded books with sizes (`dislocations-sized.csv`: 0.005 BTC at
 * the top, 0.004 and 0.05 behind it, against orders of about 0.0105 BTC), one per model, and the
 * table shows each one's fill ratio, slippage and sizes from its own report.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import type { SweepResult } from '../../cli/sweep-command.js';
import { runFolder, startCli } from '../support/cli-process.js';

const SIZED = fileURLToPath(new URL('../fixtures/replay/dislocations-sized.yaml', import.meta.url));

describe('arbfleet sweep over execution settings', () => {
  it('runs top, top-size and depth over the same sized books: top fills in full at the decision price, top-size about half, depth in full but worse', async () => {
    const out = runFolder();
    const cli = startCli(['sweep', SIZED, '--set', 'execution.model=top,top-size,depth', '--parallel', '2', '--out', out]);
    const exit = await cli.exited;
    expect(exit.code, cli.stderr().slice(-3000)).toBe(0);
    const results = JSON.parse(readFileSync(join(out, 'sweep.json'), 'utf8')) as SweepResult[];
    const [top, topSize, depth] = results;
    expect(results.map((r) => [r.params['execution.model'], r.status])).toEqual([
      ['top', 'COMPLETED'],
      ['top-size', 'COMPLETED'],
      ['depth', 'COMPLETED'],
    ]);
    for (const r of results) expect(r.trades).toBeGreaterThan(0);
    expect(top?.execution).toMatchObject({ fillRatio: 1, slippageBpsA: 0, slippageBpsB: 0, sizes: 'unlimited' });
    // 0.005 of about 0.0105 BTC ordered: a little under half.
    expect(topSize?.execution?.fillRatio).toBeGreaterThan(0.4);
    expect(topSize?.execution?.fillRatio).toBeLessThan(0.55);
    expect(topSize?.execution).toMatchObject({ slippageBpsA: 0, slippageBpsB: 0, sizes: 'recorded' });
    // Depth takes 0.005 at the top, 0.004 one bp behind and the rest two bps behind: in full, ≈ 0.7 bps worse on average.
    expect(depth?.execution).toMatchObject({ fillRatio: 1, sizes: 'recorded' });
    expect(depth?.execution?.slippageBpsA).toBeGreaterThan(0.3);
    expect(depth?.execution?.slippageBpsB).toBeGreaterThan(0.3);
    expect(depth?.execution?.slippageBpsB).toBeLessThan(2);
    const table = cli.stdout();
    expect(table).toMatch(
      /^\| execution\.model \| status \| acceptance \| trades \| .* \| fill ratio \| slippage A \/ B \(bps\) \| sizes \| refused no-size \|$/m,
    );
    expect(table).toMatch(/^\| top \| COMPLETED \| \d+\/\d+[^|]* \| \d+ \| .* \| 100 % \| 0 \/ 0 \| unlimited \| 0 \|$/m);
  });
});
