/**
 * Colours for the CLI's summary lines, through Node's `util.styleText`: it colours only when the
 * stream is a terminal that has colours, and honours `NO_COLOR` and `FORCE_COLOR`.
 */
import { styleText } from 'node:util';
import type { Paint, SummaryTone } from '../core/report/run-summary.js';

const STYLE: Record<SummaryTone, 'green' | 'red'> = { gain: 'green', loss: 'red', fail: 'red' };

/** A `Paint` for `stream` (plain text when it is a pipe or a file). */
export function terminalPaint(stream: NodeJS.WriteStream): Paint {
  return (tone, text) => styleText(STYLE[tone], text, { stream });
}
