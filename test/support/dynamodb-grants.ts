/**
 * DynamoDB requests as IAM authorises them, and the template statements that must allow them.
 *
 * IAM asks, for each DynamoDB request, for one action on one resource per table it touches: the
 * operation's own action on the table, or on `<table ARN>/index/<name>` for a Query or Scan of an
 * index; BatchWriteItem / BatchGetItem on each table of `RequestItems`; and for a transaction,
 * each part's action on its part's table (TransactWriteItems: Put → PutItem, Update →
 * UpdateItem, Delete → DeleteItem, ConditionCheck → ConditionCheckItem; TransactGetItems: Get →
 * GetItem). moto checks only the action, on `*` (see emulated-roles.ts); `isAllowed` checks the
 * resource too, against the template's statements as written, their ARNs resolved.
 */
import { asList, policyStatements } from '../infra/support/policy-statements.js';
import type { CloudFormationTemplate } from './cloud-assembly.js';
import { resourcesOfType } from './cloud-assembly.js';
import { resolveValue, type PhysicalResources } from './cloudformation-values.js';
import type { ProxiedRequest } from './recording-proxy.js';

/** One (action, table or index) a DynamoDB request needs IAM to allow, and whose credentials asked. */
export interface DynamoDbGrantUse {
  accessKeyId: string;
  /** The IAM action (`dynamodb:PutItem`), as IAM asks for it: a transaction's parts each by their own. */
  action: string;
  /** The operation on the wire (`TransactWriteItems`, `Query`, ...). */
  operation: string;
  /** The physical table name. */
  table: string;
  index?: string;
}

const TARGET_PREFIX = 'DynamoDB_20120810.';
const TRANSACT_WRITE_PARTS: Readonly<Record<string, string>> = {
  Put: 'dynamodb:PutItem',
  Update: 'dynamodb:UpdateItem',
  Delete: 'dynamodb:DeleteItem',
  ConditionCheck: 'dynamodb:ConditionCheckItem',
};

/** The access key id of a SigV4 `Authorization` header (`… Credential=<key>/<date>/<region>/<service>/aws4_request, …`). */
export function accessKeyOf(authorization: string | undefined): string | undefined {
  return /Credential=([^/,\s]+)\//.exec(authorization ?? '')?.[1];
}

/**
 * The grants one request needs, one per (action, table or index): [] when it is not a DynamoDB
 * JSON request. An operation it cannot read the tables of throws, naming it, so a new kind of
 * call cannot slip past unchecked.
 */
export function dynamoDbGrantUses(request: Pick<ProxiedRequest, 'headers' | 'body'>): DynamoDbGrantUse[] {
  const target = request.headers['x-amz-target'];
  if (typeof target !== 'string' || !target.startsWith(TARGET_PREFIX)) return [];
  const operation = target.slice(TARGET_PREFIX.length);
  const accessKeyId = accessKeyOf(request.headers.authorization) ?? '(unsigned)';
  const body = JSON.parse(request.body.toString('utf8') || '{}') as Record<string, unknown>;
  const use = (action: string, table: unknown, index?: unknown): DynamoDbGrantUse => {
    if (typeof table !== 'string') throw new Error(`DynamoDB ${operation}: no TableName in ${request.body.toString('utf8').slice(0, 300)}`);
    return { accessKeyId, action, operation, table, ...(typeof index === 'string' ? { index } : {}) };
  };
  switch (operation) {
    case 'TransactWriteItems':
      return ((body.TransactItems as Record<string, { TableName?: string }>[] | undefined) ?? []).map((item) => {
        const [part, detail] = Object.entries(item)[0] ?? [];
        const action = part === undefined ? undefined : TRANSACT_WRITE_PARTS[part];
        if (!action || !detail) throw new Error(`DynamoDB TransactWriteItems: unknown part ${JSON.stringify(item).slice(0, 200)}`);
        return use(action, detail.TableName);
      });
    case 'TransactGetItems':
      return ((body.TransactItems as { Get?: { TableName?: string } }[] | undefined) ?? []).map((item) => use('dynamodb:GetItem', item.Get?.TableName));
    case 'BatchWriteItem':
    case 'BatchGetItem':
      return Object.keys((body.RequestItems as Record<string, unknown> | undefined) ?? {}).map((table) => use(`dynamodb:${operation}`, table));
    default:
      return [use(`dynamodb:${operation}`, body.TableName, body.IndexName)];
  }
}

/** An identity statement of a role with its actions and resources resolved to strings. */
export interface ResolvedStatement {
  sid?: string;
  effect: 'Allow' | 'Deny';
  actions: string[];
  resources: string[];
}

/** The identity statements the template attaches to a role (by logical id), resources resolved through `resources`. */
export function statementsOfTemplateRole(template: CloudFormationTemplate, resources: PhysicalResources, roleLogicalId: string): ResolvedStatement[] {
  return policyStatements(template.Resources)
    .filter((s) => s.kind === 'identity' && s.roles.includes(roleLogicalId))
    .map(({ statement }) => {
      if (statement.NotAction !== undefined || statement.NotResource !== undefined)
        throw new Error(`role ${roleLogicalId}: statement ${statement.Sid ?? ''} uses NotAction/NotResource, which isAllowed does not evaluate`);
      const resolved = resolveValue(statement.Resource ?? [], resources);
      return {
        ...(statement.Sid ? { sid: statement.Sid } : {}),
        effect: statement.Effect,
        actions: asList(statement.Action),
        resources: (Array.isArray(resolved) ? resolved : [resolved]).map(String),
      };
    });
}

/** IAM's wildcards: `*` any run of characters, `?` one. Actions compare case-insensitively, ARNs exactly. */
function matches(pattern: string, value: string, ignoreCase: boolean): boolean {
  const source = pattern
    .replace(/[.+^${}()|[\]\\]/g, '\\$&')
    .replace(/\*/g, '.*')
    .replace(/\?/g, '.');
  return new RegExp(`^${source}$`, ignoreCase ? 'i' : '').test(value);
}

/** Whether the statements allow `action` on `arn`: some Allow names both, no Deny does. Conditions are not evaluated. */
export function isAllowed(statements: readonly ResolvedStatement[], action: string, arn: string): boolean {
  const names = (s: ResolvedStatement) => s.actions.some((a) => matches(a, action, true)) && s.resources.some((r) => matches(r, arn, false));
  return statements.some((s) => s.effect === 'Allow' && names(s)) && !statements.some((s) => s.effect === 'Deny' && names(s));
}

/** Table ARNs by physical table name, for the template's tables as the test created them. */
export function tableArnsByName(template: CloudFormationTemplate, resources: PhysicalResources): Map<string, string> {
  return new Map(resourcesOfType(template, 'AWS::DynamoDB::Table').map(([logicalId]) => [resources.ref(logicalId), resources.getAtt(logicalId, 'Arn')]));
}

/** The ARN IAM checks a use against: the table's, or `<table ARN>/index/<name>`. */
export function arnOfUse(use: Pick<DynamoDbGrantUse, 'table' | 'index'>, tableArns: ReadonlyMap<string, string>): string {
  const table = tableArns.get(use.table);
  if (table === undefined) throw new Error(`DynamoDB call on table ${use.table}, which is not a table of the template (${[...tableArns.keys()].join(', ')})`);
  return use.index === undefined ? table : `${table}/index/${use.index}`;
}

/**
 * A resolved table or index ARN as `TABLE_ACCESS` keys it (`campaigns`, `campaigns/index/live-campaigns`),
 * given the stack's table prefix; throws for anything else (a wildcard, another stack's table).
 */
export function tableResourceOfArn(arn: string, tablePrefix: string): string {
  const match = /^arn:aws:dynamodb:[^:]*:[^:]*:table\/(.+)$/.exec(arn);
  if (!match?.[1]?.startsWith(tablePrefix) || arn.includes('*')) throw new Error(`${arn} is not one named table or index of prefix ${tablePrefix}`);
  return match[1].slice(tablePrefix.length);
}
