/**
 * The live console's document (`GET /` of `arbfleet serve` and `arbfleet run --api-port`): the
 * sections of `console-sections.ts` in a page with one small inline script that
 *
 * - subscribes to the local API's event stream (`EventSource` on `/events` with the page's own
 *   query, `core/api/event-streams.ts`) and puts each `section` event's HTML in the element of its
 *   id: updates are pushed by the server, the page never polls;
 * - sends the buttons' actions (`data-action`, a POST path of the API) as same-origin `fetch`es with
 *   the `X-Arbfleet-Client` header, which the local request guard asks of every state-changing
 *   request (`core/api/local-request-guard.ts`), and says the answer in `#console-message`.
 *
 * A Content-Security-Policy (in a `<meta>`, so the page carries it wherever it is served) lets
 * only that script run (by its SHA-256), connect only to this server, and load nothing from
 * elsewhere: markup that slipped past the escaping could not run or call out.
 */
import { createHash } from 'node:crypto';
import type { ConsoleView } from './console-sections.js';
import { PAGE_STYLE } from './html-page.js';
import { escapeHtml } from './html-text.js';

/** The header the console's buttons send (any non-empty value passes the guard). */
export const CONSOLE_CLIENT_NAME = 'arbfleet-console';

/** The path of the event stream the page subscribes to (with the page's `?campaignId=`). */
export const CONSOLE_EVENTS_PATH = '/events';

const SCRIPT = `(() => {
  const stream = document.getElementById('console-stream');
  const message = document.getElementById('console-message');
  const say = (element, text, tone) => { element.textContent = text; element.className = tone; };
  const source = new EventSource(${JSON.stringify(CONSOLE_EVENTS_PATH)} + location.search);
  let updates = 0;
  source.addEventListener('open', () => say(stream, 'live: the server pushes every change', 'pass'));
  source.addEventListener('error', () =>
    say(stream, source.readyState === EventSource.CLOSED ? 'disconnected: reload the page' : 'reconnecting to the server…', 'fail'));
  source.addEventListener('trouble', (event) => say(stream, 'the server could not read the fleet: ' + JSON.parse(event.data).message, 'fail'));
  source.addEventListener('section', (event) => {
    const section = JSON.parse(event.data);
    const element = document.getElementById(section.id);
    if (element) element.innerHTML = section.html;
    updates += 1;
    document.body.dataset.updates = String(updates);
  });
  document.addEventListener('click', async (event) => {
    const button = event.target instanceof Element ? event.target.closest('button[data-action]') : null;
    if (!button) return;
    if (button.dataset.confirm && !window.confirm(button.dataset.confirm)) return;
    button.disabled = true;
    try {
      const response = await fetch(button.dataset.action, { method: 'POST', headers: { 'X-Arbfleet-Client': ${JSON.stringify(CONSOLE_CLIENT_NAME)} } });
      const body = await response.json().catch(() => ({}));
      if (response.ok) say(message, button.dataset.done || 'Done.', 'pass');
      else say(message, (body && body.message) || 'HTTP ' + response.status, 'fail');
    } catch (error) {
      say(message, 'the server did not answer: ' + error, 'fail');
    } finally {
      button.disabled = false;
    }
  });
})();`;

const SCRIPT_HASH = createHash('sha256').update(SCRIPT).digest('base64');

/** The page's policy: its own script only, styles inline, requests to this server only, nothing else. */
export const CONSOLE_CSP = `default-src 'none'; script-src 'sha256-${SCRIPT_HASH}'; style-src 'unsafe-inline'; connect-src 'self'; img-src data:; base-uri 'none'; form-action 'none'`;

const CONSOLE_STYLE = `
button { font: inherit; padding: 2px 10px; margin: 0 2px; cursor: pointer; }
button:disabled { cursor: progress; }
#console-bar { display: flex; gap: 16px; align-items: baseline; flex-wrap: wrap; }
#console-message:empty { display: none; }
`;

/** The console page of `view` as a complete HTML document. */
export function renderConsolePage(view: ConsoleView): string {
  const back = view.backToRuns ? '<a href="/">← all runs</a>' : '';
  const sections = view.sections.map((s) => `<section id="${escapeHtml(s.id)}">${s.html}</section>`).join('\n');
  const body =
    `<div id="console-bar">${back}<span id="console-stream" class="muted">connecting…</span><span id="console-message" role="status"></span></div>\n` +
    `${sections}\n<script>${SCRIPT}</script>`;
  return (
    '<!doctype html>\n<html lang="en"><head><meta charset="utf-8">' +
    `<meta http-equiv="Content-Security-Policy" content="${CONSOLE_CSP}">` +
    '<meta name="viewport" content="width=device-width, initial-scale=1">' +
    `<title>${escapeHtml(view.title)}</title><link rel="icon" href="data:,"><style>${PAGE_STYLE}${CONSOLE_STYLE}</style></head>` +
    `<body>${body}</body></html>\n`
  );
}
