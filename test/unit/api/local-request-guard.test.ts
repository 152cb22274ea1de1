/**
 * The local API's guard, rule by rule (`core/api/local-request-guard.ts`): which requests a page
 * of another site, or one reached through a rebinding name, could send, and which the operator's
 * tools and this server's own pages send.
 */
import { describe, expect, it } from 'vitest';
import { foreignRequestRefusal, LOCAL_CLIENT_HEADER, type GuardedRequest } from '../../../core/api/local-request-guard.js';

const PORT = 8123;
const HOST = `127.0.0.1:${PORT}`;

function request(method: string, headers: GuardedRequest['headers'], path = '/campaigns/c-1/stop'): GuardedRequest {
  return { method, path, headers: { host: HOST, ...headers } };
}

function rule(req: GuardedRequest, port = PORT): string | undefined {
  return foreignRequestRefusal(req, port)?.rule;
}

describe('the Host rule (DNS rebinding), every method', () => {
  it.each([`127.0.0.1:${PORT}`, `localhost:${PORT}`, `[::1]:${PORT}`, `LOCALHOST:${PORT}`])('serves Host %s', (host) => {
    expect(rule({ method: 'GET', path: '/campaigns', headers: { host } })).toBeUndefined();
  });

  it.each([
    ['a foreign name', `evil.example:${PORT}`],
    ['a foreign name without a port', 'evil.example'],
    ['another port', '127.0.0.1:8124'],
    ['no port (80)', '127.0.0.1'],
    ['a subdomain of localhost', `evil.localhost:${PORT}`],
    ['a trailing dot', `localhost.:${PORT}`],
    ['another loopback address', `127.0.0.2:${PORT}`],
    ['the whole-network address', `0.0.0.0:${PORT}`],
    ['a loopback name prefixed', `127.0.0.1.evil.example:${PORT}`],
    ['userinfo', `evil@127.0.0.1:${PORT}`],
  ])('refuses %s (%s), GET included', (_what, host) => {
    const refusal = foreignRequestRefusal({ method: 'GET', path: '/campaigns', headers: { host } }, PORT);
    expect(refusal?.rule).toBe('host');
    expect(refusal?.found).toBe(host);
    expect(refusal?.message).toBe(
      `Host ${JSON.stringify(host)} is not this server (expected 127.0.0.1:${PORT} or localhost:${PORT}): a page reached through another name (DNS rebinding) may not use the local API`,
    );
  });

  it('refuses a request without Host, and serves a Host without port only on port 80', () => {
    expect(foreignRequestRefusal({ method: 'GET', path: '/', headers: {} }, PORT)?.message).toBe(
      `the Host header is missing (expected 127.0.0.1:${PORT} or localhost:${PORT})`,
    );
    expect(rule({ method: 'GET', path: '/', headers: { host: 'localhost' } }, 80)).toBeUndefined();
  });
});

describe('state-changing requests', () => {
  const json = { 'content-type': 'application/json' };

  it('serves what the operator sends: JSON or the client header, no Origin or this server as Origin', () => {
    expect(rule(request('POST', json))).toBeUndefined();
    expect(rule(request('POST', { 'content-type': 'application/json; charset=utf-8' }))).toBeUndefined();
    expect(rule(request('POST', { [LOCAL_CLIENT_HEADER]: 'arbfleet-cli' }))).toBeUndefined();
    expect(rule(request('DELETE', { [LOCAL_CLIENT_HEADER]: 'x' }))).toBeUndefined();
    expect(rule(request('POST', { ...json, origin: `http://${HOST}`, 'sec-fetch-site': 'same-origin' }))).toBeUndefined();
    expect(rule({ method: 'POST', path: '/x', headers: { host: `localhost:${PORT}`, origin: `http://localhost:${PORT}`, ...json } })).toBeUndefined();
  });

  it('refuses the cross-site simple request a form or a no-cors fetch sends', () => {
    const refusal = foreignRequestRefusal(
      request('POST', { origin: 'http://evil.example', 'content-type': 'text/plain', 'sec-fetch-site': 'cross-site' }),
      PORT,
    );
    expect(refusal?.rule).toBe('origin');
    expect(refusal?.message).toBe(
      `"POST" "/campaigns/c-1/stop" refused: Origin "http://evil.example" is not this server (expected no Origin, or http://${HOST} for this server's own pages)`,
    );
  });

  it.each([
    ['another site', 'http://evil.example'],
    ['another port of this host', 'http://127.0.0.1:3000'],
    ['this server by another name', `http://localhost:${PORT}`],
    ['https', `https://${HOST}`],
    ['a sandboxed frame or a file: page', 'null'],
  ])('refuses Origin from %s, even with a JSON body', (_what, origin) => {
    expect(rule(request('POST', { ...json, origin }))).toBe('origin');
  });

  it.each(['cross-site', 'same-site'])('refuses Sec-Fetch-Site %s', (site) => {
    const refusal = foreignRequestRefusal(request('POST', { ...json, 'sec-fetch-site': site }), PORT);
    expect(refusal?.rule).toBe('fetch-site');
    expect(refusal?.message).toContain(`Sec-Fetch-Site "${site}" says another site sent it (expected same-origin or none)`);
  });

  it.each([
    ['text/plain', { 'content-type': 'text/plain' }],
    ['a form', { 'content-type': 'application/x-www-form-urlencoded' }],
    ['a multipart form', { 'content-type': 'multipart/form-data; boundary=x' }],
    ['no content type', {}],
    ['an empty client header', { [LOCAL_CLIENT_HEADER]: ' ' }],
    ['a JSON look-alike', { 'content-type': 'application/jsonp' }],
  ])('refuses a simple request without Origin: %s', (_what, headers) => {
    const refusal = foreignRequestRefusal(request('POST', headers), PORT);
    expect(refusal?.rule).toBe('simple-request');
    expect(refusal?.message).toMatch(
      /^"POST" "\/campaigns\/c-1\/stop" refused: a request that changes something needs Content-Type: application\/json or an X-Arbfleet-Client header \(got .*\)/,
    );
  });

  it.each(['PUT', 'PATCH', 'DELETE', 'PROPFIND', 'post'])('guards %s as state-changing (every method but GET, HEAD, OPTIONS)', (method) => {
    expect(rule(request(method, { 'content-type': 'text/plain' }))).toBe('simple-request');
  });

  it.each(['GET', 'HEAD', 'OPTIONS'])('lets %s through with any Origin (the browser keeps the answer from another site)', (method) => {
    expect(rule(request(method, { origin: 'http://evil.example', 'sec-fetch-site': 'cross-site' }))).toBeUndefined();
  });
});
