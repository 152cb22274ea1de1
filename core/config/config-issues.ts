/**
 * A campaign config's refusals made actionable: an unknown field is named by its own path with the
 * field it most likely meant (`strategy.entryBsp: unknown field; did you mean "entryBps"?`), and a
 * file's issues carry the line they are on. zod's own wording says only `Unrecognized key` on the
 * parent object, with no line: a typo in a 40-line config left the user to find it.
 */
import { isMap, isSeq, LineCounter, parseDocument, type Node } from 'yaml';
import { z } from 'zod';
import type { FieldIssue } from '../errors.js';
import { CampaignConfigSchema } from './campaign-config.js';
import { expectedTypesOf, formatPath, toFieldIssues } from './zod-issues.js';

type JsonSchema = {
  properties?: Record<string, JsonSchema>;
  oneOf?: JsonSchema[];
  anyOf?: JsonSchema[];
  allOf?: JsonSchema[];
  items?: JsonSchema;
  additionalProperties?: JsonSchema | boolean;
  const?: unknown;
  description?: string;
};

let configSchema: JsonSchema | undefined;
/** The config's JSON Schema (input side), built on the first refusal only. */
function schemaOfConfig(): JsonSchema {
  configSchema ??= z.toJSONSchema(CampaignConfigSchema, { io: 'input', unrepresentable: 'any' }) as JsonSchema;
  return configSchema;
}

/**
 * The field issues of a refused campaign config: zod's, except that each unknown key becomes an
 * issue of its own path, with the closest known field of that object when one is near enough.
 */
export function campaignConfigIssues(error: z.ZodError, raw: unknown): FieldIssue[] {
  const issues: FieldIssue[] = [];
  for (const issue of error.issues) {
    if (issue.code !== 'unrecognized_keys') {
      const [words] = toFieldIssues(new z.ZodError([issue])) as [FieldIssue];
      // A missing or wrongly shaped field is said with what the field is for (its schema's description), e.g. "symbols: required, missing (expected array or object: base assets, e.g. [BTC, ETH], or { top: N } …)".
      const description = expectedTypesOf(issue) === undefined ? undefined : descriptionAt(schemaOfConfig(), raw, issue.path as readonly PropertyKey[]);
      issues.push(description === undefined ? words : { ...words, message: withDescription(words.message, description) });
      continue;
    }
    const known = knownKeysAt(schemaOfConfig(), raw, issue.path as readonly PropertyKey[]);
    for (const key of issue.keys) {
      const near = closest(key, known);
      issues.push({
        path: formatPath([...(issue.path as readonly PropertyKey[]), key]),
        message: `unknown field${near ? `; did you mean "${near}"?` : known.length > 0 ? ` (known here: ${known.join(', ')})` : ''}`,
      });
    }
  }
  return issues;
}

/** `required, missing (expected array)` → `required, missing (expected array: DESCRIPTION)`; `expected X, found Y` → `expected X (DESCRIPTION), found Y`. */
function withDescription(message: string, description: string): string {
  if (message.endsWith(')')) return `${message.slice(0, -1)}: ${description})`;
  const found = message.lastIndexOf(', found ');
  return found === -1 ? `${message} (${description})` : `${message.slice(0, found)} (${description})${message.slice(found)}`;
}

/** The schemas that may describe the field at `path` of `raw` (each union narrowed by the value's `kind`), with that field's value. */
function schemasAt(root: JsonSchema, raw: unknown, path: readonly PropertyKey[]): { schemas: JsonSchema[]; value: unknown } {
  let schemas = [root];
  let value = raw;
  for (const key of path) {
    const next: JsonSchema[] = [];
    for (const s of variantsOf(schemas, value)) {
      const child = typeof key === 'number' ? s.items : (s.properties?.[String(key)] ?? objectOrUndefined(s.additionalProperties));
      if (child) next.push(child);
    }
    schemas = next;
    value = value !== null && typeof value === 'object' ? (value as Record<PropertyKey, unknown>)[key] : undefined;
  }
  return { schemas, value };
}

/** The description the schema gives the field at `path` of `raw`, if any (a union's own, or its variant's). */
function descriptionAt(root: JsonSchema, raw: unknown, path: readonly PropertyKey[]): string | undefined {
  return schemasAt(root, raw, path).schemas.find((s) => typeof s.description === 'string')?.description;
}

/** The field names the schema allows for the object at `path` of `raw` (a union: the variant whose `kind` matches). */
function knownKeysAt(root: JsonSchema, raw: unknown, path: readonly PropertyKey[]): string[] {
  const { schemas, value } = schemasAt(root, raw, path);
  const keys = new Set<string>();
  for (const s of variantsOf(schemas, value)) for (const k of Object.keys(s.properties ?? {})) keys.add(k);
  return [...keys];
}

function objectOrUndefined(s: JsonSchema | boolean | undefined): JsonSchema | undefined {
  return typeof s === 'object' ? s : undefined;
}

/** Flattens oneOf/anyOf/allOf; of several variants, keeps those whose `kind` const is the value's (all when none matches). */
function variantsOf(schemas: readonly JsonSchema[], value: unknown): JsonSchema[] {
  const flat: JsonSchema[] = [];
  const walk = (s: JsonSchema): void => {
    const parts = [...(s.oneOf ?? []), ...(s.anyOf ?? []), ...(s.allOf ?? [])];
    if (s.properties || parts.length === 0) flat.push(s);
    for (const p of parts) walk(p);
  };
  for (const s of schemas) walk(s);
  const kind = value !== null && typeof value === 'object' ? (value as Record<string, unknown>).kind : undefined;
  const matching = flat.filter((s) => s.properties?.kind?.const !== undefined && s.properties.kind.const === kind);
  return matching.length > 0 ? matching : flat;
}

/** The known key nearest `key` (case-insensitive edit distance, a swap of neighbours counting one), if within a third of its length. */
export function closest(key: string, known: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = Math.max(1, Math.floor(key.length / 3)) + 1;
  for (const candidate of known) {
    const d = editDistance(key.toLowerCase(), candidate.toLowerCase());
    if (d < bestDistance) {
      best = candidate;
      bestDistance = d;
    }
  }
  return best;
}

/** Optimal string alignment distance: insertions, deletions, substitutions and adjacent swaps cost 1. */
function editDistance(a: string, b: string): number {
  const d: number[][] = Array.from({ length: a.length + 1 }, (_, i) => Array.from({ length: b.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)));
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let v = Math.min((d[i - 1]?.[j] ?? 0) + 1, (d[i]?.[j - 1] ?? 0) + 1, (d[i - 1]?.[j - 1] ?? 0) + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) v = Math.min(v, (d[i - 2]?.[j - 2] ?? 0) + 1);
      (d[i] as number[])[j] = v;
    }
  }
  return d[a.length]?.[b.length] ?? 0;
}

/**
 * The 1-based line of each issue's field in a YAML (or JSON) text: the line of its key, else of the
 * nearest enclosing field the text has (a missing field: the object it is missing from). Issues
 * whose path the text does not reach, or a text YAML cannot read, keep no line.
 */
export function withLines(issues: readonly FieldIssue[], text: string): FieldIssue[] {
  const counter = new LineCounter();
  const doc = parseDocument(text, { lineCounter: counter, keepSourceTokens: false });
  if (doc.errors.length > 0) return [...issues];
  return issues.map((issue) => {
    const offset = offsetOf(doc.contents, pathSegments(issue.path));
    return offset === undefined ? issue : { ...issue, line: counter.linePos(offset).line };
  });
}

/** `venues.a.takerFeeBps`, `symbols[2]` → their keys and indexes. */
function pathSegments(path: string): (string | number)[] {
  const out: (string | number)[] = [];
  for (const match of path.matchAll(/([^.[\]]+)|\[(\d+)\]/g)) out.push(match[2] !== undefined ? Number(match[2]) : (match[1] as string));
  return out;
}

/** The source offset of the key (or item) at `path`, or of the deepest node on the way. */
function offsetOf(root: unknown, path: readonly (string | number)[]): number | undefined {
  let node = root as Node | null | undefined;
  let offset: number | undefined;
  for (const key of path) {
    if (isMap(node)) {
      const pair = node.items.find((p) => (p.key as Node | null)?.toJSON?.() === key || String((p.key as { value?: unknown } | null)?.value) === String(key));
      if (!pair) break;
      offset = (pair.key as Node | null)?.range?.[0] ?? offset;
      node = pair.value as Node | null;
    } else if (isSeq(node) && typeof key === 'number') {
      const item = node.items[key] as Node | undefined;
      if (!item) break;
      offset = item.range?.[0] ?? offset;
      node = item;
    } else break;
  }
  return offset;
}
