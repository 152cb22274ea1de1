import type { z } from 'zod';
import type { FieldIssue } from '../errors.js';

/** Turns zod issues into field issues with dotted paths (`symbols[2]`, `venues.a.takerFeeBps`). */
export function toFieldIssues(error: z.ZodError): FieldIssue[] {
  return error.issues.map((issue) => ({
    path: formatPath(issue.path as readonly PropertyKey[]),
    message: issue.message,
  }));
}

export function formatPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const key of path) {
    if (typeof key === 'number') out += `[${key}]`;
    else out += out ? `.${String(key)}` : String(key);
  }
  return out;
}
