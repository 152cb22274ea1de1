/**
 * The transport-neutral shape of an HTTP exchange: what the `api` Lambda (API Gateway REST proxy
 * events) and the local `--api-port` server both turn their requests into, and back.
 */

/** One HTTP request, as the API handler sees it. */
export interface ApiRequest {
  /** The HTTP method as sent (`GET`, `POST`, …); not normalised. */
  method: string;
  /** The request path; a query string (`?…`) and trailing slashes are tolerated. */
  path: string;
  /** Header values by lower-cased name. */
  headers: Record<string, string | undefined>;
  /** The body as text, or base64 when `isBase64Encoded`; `undefined` when there is none. */
  body: string | undefined;
  /** True when `body` is base64 (API Gateway's binary bodies; the local server's non-UTF-8 ones). */
  isBase64Encoded?: boolean;
}

/** One HTTP response: every body is JSON except the live page's HTML. */
export interface ApiResponse {
  status: number;
  /** Header values by lower-cased name. */
  headers: Record<string, string>;
  body: string;
}
