/**
 * The HTML document around the report page and the live dashboard: one self-contained page with
 * its style inline, no script, no font or stylesheet from elsewhere, so it works offline and from
 * a `file://` URL.
 */
import { escapeHtml } from './html-text.js';

export const PAGE_STYLE = `
:root { color-scheme: light; --fg: #1b1f24; --muted: #57606a; --line: #d0d7de; --pass: #1a7f37; --fail: #cf222e; }
* { box-sizing: border-box; }
body { font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: var(--fg); margin: 0 auto; padding: 16px 24px 48px; max-width: 1280px; }
h1 { font-size: 22px; margin: 8px 0 4px; }
h2 { font-size: 17px; margin: 28px 0 8px; border-bottom: 1px solid var(--line); padding-bottom: 4px; }
.muted, .empty { color: var(--muted); }
table { border-collapse: collapse; width: 100%; margin: 8px 0; }
th, td { border: 1px solid var(--line); padding: 4px 8px; text-align: left; vertical-align: top; }
th { background: #f6f8fa; }
td:first-child { white-space: nowrap; }
.table-wrap { overflow-x: auto; }
td.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
td.pass, td.fail { white-space: nowrap; }
.pass { color: var(--pass); font-weight: 600; }
.fail { color: var(--fail); font-weight: 600; }
.summary { display: flex; flex-wrap: wrap; gap: 8px 24px; margin: 8px 0; }
.summary div { min-width: 140px; }
.summary b { display: block; font-size: 18px; }
figure.chart { margin: 16px 0; }
figcaption { font-weight: 600; margin-bottom: 4px; }
svg text { font: 11px system-ui, sans-serif; fill: var(--muted); }
svg .grid { stroke: #eaeef2; }
svg .axis { stroke: var(--muted); }
svg .axis-label { fill: var(--fg); }
ul.legend { list-style: none; padding: 0; margin: 4px 0; display: flex; flex-wrap: wrap; gap: 4px 16px; }
.swatch { display: inline-block; width: 10px; height: 10px; margin-right: 6px; border-radius: 2px; }
pre { background: #f6f8fa; padding: 8px; overflow-x: auto; white-space: pre-wrap; margin: 4px 0; }
.status-RUNNING, .status-COMPLETED { color: var(--pass); }
.status-STALLED, .status-CRASHED, .status-LOST, .status-FAILED { color: var(--fail); font-weight: 600; }
`;

/** A whole HTML document. `refreshSec` makes the page reload itself (the live dashboard). */
export function htmlDocument(title: string, body: string, refreshSec?: number): string {
  const refresh = refreshSec === undefined ? '' : `<meta http-equiv="refresh" content="${refreshSec}">`;
  return (
    '<!doctype html>\n<html lang="en"><head><meta charset="utf-8">' +
    '<meta name="viewport" content="width=device-width, initial-scale=1">' +
    refresh +
    `<title>${escapeHtml(title)}</title><link rel="icon" href="data:,"><style>${PAGE_STYLE}</style></head>` +
    `<body>${body}</body></html>\n`
  );
}

/** A table from a header row and rows of ready-made cells (`<td>…</td>`); header text is escaped. */
export function htmlTable(headers: readonly string[], rows: readonly string[][]): string {
  const head = `<tr>${headers.map((h) => `<th>${escapeHtml(h)}</th>`).join('')}</tr>`;
  return `<div class="table-wrap"><table><thead>${head}</thead><tbody>${rows.map((cells) => `<tr>${cells.join('')}</tr>`).join('')}</tbody></table></div>`;
}

/** A cell of text from data (escaped); `numeric` right-aligns it. */
export function cell(text: string | number, numeric = false): string {
  return `<td${numeric ? ' class="num"' : ''}>${escapeHtml(text)}</td>`;
}
