/**
 * The expressions the DynamoDB stores build (`dynamodb-campaign-store.ts`,
 * `dynamodb-schedule-store.ts`): a control-plane patch checked field by field and turned into
 * an UpdateItem that is a compare-and-set on `version`, the version condition of a PutItem, and
 * the Put that may only create.
 */
import type { z } from 'zod';
import { formatPath } from '../config/zod-issues.js';
import { ValidationError, type FieldIssue } from '../errors.js';
import type { TransactItem } from './dynamodb-commit.js';

/** An item as the document client reads and writes it. */
export type Item = Record<string, unknown>;

/** An update's attribute changes: what to SET, and what to REMOVE (patch keys given as `undefined`). */
export interface Changes {
  set: Item;
  remove: string[];
}

/**
 * The changes of a control-plane patch, checked against the record schema field by field: an
 * unknown field, a wrong value, or `undefined` for a required field is a `ValidationError`.
 * Fixed fields (ids, `version`, the heartbeat) are ignored, as the SQLite store ignores them.
 * @param what names the update in the error (`campaign c1 update`).
 */
export function patchChanges(schema: z.ZodObject, patch: object, fixed: readonly string[], what: string): Changes {
  const entries = Object.entries(patch).filter(([field]) => !fixed.includes(field));
  const unknown = entries.filter(([field]) => !(field in schema.shape));
  if (unknown.length > 0) {
    throw new ValidationError(
      unknown.map(([field]) => ({ path: field, message: 'is not a field of this record, or may not be changed' })),
      what,
    );
  }
  const changes: Changes = { set: {}, remove: [] };
  const issues: FieldIssue[] = [];
  for (const [field, value] of entries) {
    const parsed = (schema.shape[field] as z.ZodType).safeParse(value);
    if (!parsed.success) issues.push(...parsed.error.issues.map((issue) => ({ path: formatPath([field, ...issue.path]), message: issue.message })));
    else if (value === undefined) changes.remove.push(field);
    else changes.set[field] = parsed.data;
  }
  if (issues.length > 0) throw new ValidationError(issues, what);
  return changes;
}

/** Adds index attributes to `changes`: a value is SET, `undefined` is REMOVEd. */
export function setOrRemove(changes: Changes, attributes: Record<string, string | undefined>): void {
  for (const [attribute, value] of Object.entries(attributes)) {
    if (value === undefined) changes.remove.push(attribute);
    else changes.set[attribute] = value;
  }
}

/** The condition of a compare-and-set: the stored `version` is `expectedVersion`. */
export function versionCondition(expectedVersion: number) {
  return {
    ConditionExpression: '#version = :expected',
    ExpressionAttributeNames: { '#version': 'version' } as Record<string, string>,
    ExpressionAttributeValues: { ':expected': expectedVersion } as Item,
  };
}

/** SET each changed attribute and `version = version + 1`, REMOVE the cleared ones; only if `version = :expected`. */
export function versionedUpdate(changes: Changes, expectedVersion: number) {
  const condition = versionCondition(expectedVersion);
  const names = condition.ExpressionAttributeNames;
  const values: Item = { ...condition.ExpressionAttributeValues, ':one': 1 };
  const sets = ['#version = #version + :one'];
  Object.entries(changes.set).forEach(([attribute, value], i) => {
    names[`#s${i}`] = attribute;
    values[`:s${i}`] = value;
    sets.push(`#s${i} = :s${i}`);
  });
  const removes = changes.remove.map((attribute, i) => {
    names[`#r${i}`] = attribute;
    return `#r${i}`;
  });
  return {
    UpdateExpression: `SET ${sets.join(', ')}${removes.length > 0 ? ` REMOVE ${removes.join(', ')}` : ''}`,
    ConditionExpression: condition.ConditionExpression,
    ExpressionAttributeNames: names,
    ExpressionAttributeValues: values,
  };
}

/** A Put that must not overwrite: conditional on the item's key attribute not existing. */
export function putNew(table: string, item: Item, keyAttribute: string): TransactItem {
  return {
    Put: { TableName: table, Item: item, ConditionExpression: 'attribute_not_exists(#key)', ExpressionAttributeNames: { '#key': keyAttribute } },
  };
}

/** Whether a single write failed its condition (a lost compare-and-set, an item that exists or is gone). */
export function isConditionalCheckFailed(error: unknown): boolean {
  return error instanceof Error && error.name === 'ConditionalCheckFailedException';
}
