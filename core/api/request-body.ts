/**
 * Checks on a request body, in the order the handler applies them: size (413), content type
 * (415), UTF-8 and JSON (400). The size is counted in bytes of the decoded body.
 */
import { ValidationError } from '../errors.js';
import { PayloadTooLargeError, UnsupportedMediaTypeError } from './http-errors.js';
import type { ApiRequest } from './http-types.js';

/**
 * Checks the size of the body without decoding it (so an oversize body costs no copy).
 * @throws PayloadTooLargeError when the decoded body has more than `maxBytes` bytes.
 */
export function checkBodySize(req: ApiRequest, maxBytes: number): void {
  if (req.body === undefined) return;
  const size = Buffer.byteLength(req.body, encodingOf(req));
  if (size > maxBytes) throw new PayloadTooLargeError(maxBytes, size);
}

/** The body's bytes (base64 decoded when the request says so); empty when there is no body. */
export function bodyBytes(req: ApiRequest): Buffer {
  return req.body === undefined ? Buffer.alloc(0) : Buffer.from(req.body, encodingOf(req));
}

function encodingOf(req: ApiRequest): BufferEncoding {
  return req.isBase64Encoded ? 'base64' : 'utf8';
}

/**
 * Accepts `application/json`, optionally with a `charset` of `utf-8` (any case, quoted or not).
 * @throws UnsupportedMediaTypeError for anything else, including a missing header.
 */
export function checkJsonContentType(contentType: string | undefined): void {
  if (contentType === undefined || !isJsonContentType(contentType)) throw new UnsupportedMediaTypeError(contentType);
}

function isJsonContentType(contentType: string): boolean {
  const [type, ...parameters] = contentType.split(';').map((part) => part.trim());
  if (type?.toLowerCase() !== 'application/json') return false;
  return parameters.every((parameter) => {
    if (parameter === '') return true;
    const eq = parameter.indexOf('=');
    if (eq === -1 || parameter.slice(0, eq).trim().toLowerCase() !== 'charset') return false;
    const charset = parameter
      .slice(eq + 1)
      .trim()
      .replace(/^"(.*)"$/, '$1')
      .toLowerCase();
    return charset === 'utf-8' || charset === 'utf8';
  });
}

const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/**
 * Parses the body as JSON.
 * @throws ValidationError (`body is not valid JSON: …`) when it is empty, not UTF-8 or not JSON.
 */
export function parseJsonBody(bytes: Buffer): unknown {
  if (bytes.length === 0) throw notJson('the body is empty');
  let text: string;
  try {
    text = utf8.decode(bytes);
  } catch {
    throw notJson('the body is not UTF-8 text');
  }
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    throw notJson(error instanceof Error ? error.message : String(error));
  }
}

function notJson(reason: string): ValidationError {
  return new ValidationError([{ path: '', message: `body is not valid JSON: ${reason}` }]);
}
