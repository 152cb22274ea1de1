import type { z } from 'zod';
import type { FieldIssue } from '../errors.js';

/**
 * Turns zod issues into field issues with dotted paths (`symbols[2]`, `venues.a.takerFeeBps`), in
 * the words a person can act on: a field that is not there is `required, missing (expected
 * array)`, not zod's `Invalid input: expected array, received undefined`; a wrong type is
 * `expected string, found number`; a field that may take several shapes (a union) says each,
 * `expected array or object, found string`, not zod's bare `Invalid input`.
 */
export function toFieldIssues(error: z.ZodError): FieldIssue[] {
  return error.issues.map((issue) => ({
    path: formatPath(issue.path as readonly PropertyKey[]),
    message: issueWords(issue),
  }));
}

/** What a wrong type wanted: `array`, `array or object` for a union whose every shape refused the value's type; undefined otherwise. */
export function expectedTypesOf(issue: z.core.$ZodIssue): string | undefined {
  if (issue.code === 'invalid_type') return issue.expected === 'record' ? 'object' : issue.expected;
  if (issue.code !== 'invalid_union' || issue.errors.length === 0) return undefined;
  const shapes = issue.errors.map((branch) =>
    branch.length === 1 && branch[0]?.code === 'invalid_type' && branch[0].path.length === 0 ? branch[0].expected : undefined,
  );
  if (shapes.some((shape) => shape === undefined)) return undefined;
  return [...new Set(shapes.map((shape) => (shape === 'record' ? 'object' : shape)))].join(' or ');
}

/** True when the issue is about a value that is not there (zod says `received undefined`). */
export function isMissing(issue: z.core.$ZodIssue): boolean {
  if (issue.code === 'invalid_type') return issue.message.endsWith('received undefined');
  return issue.code === 'invalid_union' && issue.errors.every((branch) => branch.every((inner) => inner.message.endsWith('received undefined')));
}

/** One issue in words (see `toFieldIssues`). */
function issueWords(issue: z.core.$ZodIssue): string {
  const expected = expectedTypesOf(issue);
  if (expected === undefined) return issue.message;
  if (isMissing(issue)) return `required, missing (expected ${expected})`;
  const received = /received (\w+)$/.exec((issue.code === 'invalid_union' ? issue.errors[0]?.[0]?.message : issue.message) ?? '')?.[1];
  return `expected ${expected}, found ${received ?? 'another type'}`;
}

export function formatPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const key of path) {
    if (typeof key === 'number') out += `[${key}]`;
    else out += out ? `.${String(key)}` : String(key);
  }
  return out;
}
