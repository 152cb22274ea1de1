/**
 * The stack's IAM roles in moto, with the policies the template attaches to them, and
 * credentials of each role (AssumeRole) for the process that runs as it: a Lambda bundle as its
 * function's role, the engine as the task role.
 *
 * What moto 5.2.5 checks once it enforces IAM (moto/iam/access_control.py, moto/core/responses.py):
 * - the SigV4 signature, and that the access key belongs to a user or an assumed role;
 * - the ACTION: `<service>:<Operation>` against each statement's Action (wildcards honoured);
 *   an explicit Deny wins;
 * - the RESOURCE only for SQS (the queue's ARN, from QueueUrl), S3 (`arn:aws:s3:::bucket/key`),
 *   IAM and STS; every other service (DynamoDB, ECS, …) is authorised against the resource `*`,
 *   so a statement naming a table or a task ARN never matches there;
 * - CONDITIONS not at all for service calls (it evaluates only StringEquals, and only on values of
 *   an AssumeRole request; a condition with no incoming value passes);
 * - no resource-based policies (bucket, queue, key policies), no permission boundaries, no SCPs,
 *   nothing an action implies (RunTask's iam:PassRole and ecs:TagResource are never asked for).
 * `policyAsMotoChecksIt` adapts the template's documents to that (and says how); the template
 * walker in test/infra/iam.test.ts checks what moto cannot: resources named one by one, the
 * ecs:cluster and iam:PassedToService conditions, wildcards only where IAM offers nothing narrower.
 */
import { resourcesOfType, type CloudFormationTemplate } from './cloud-assembly.js';
import { resolveValue, type PhysicalResources } from './cloudformation-values.js';
import { motoQuery, xmlValue } from './moto-query-api.js';

/** Credentials of an IAM principal, as the SDK reads them from the environment. */
export interface RoleCredentials {
  AWS_ACCESS_KEY_ID: string;
  AWS_SECRET_ACCESS_KEY: string;
  AWS_SESSION_TOKEN?: string;
}

/** Services whose requests moto authorises against the resource they address; the others only against `*`. */
const RESOURCE_CHECKED_SERVICES = new Set(['sqs', 's3', 'iam', 'sts']);

interface PolicyStatement {
  Sid?: string;
  Effect: string;
  Action: string | string[];
  Resource?: unknown;
  Condition?: unknown;
}

const list = (value: string | string[]): string[] => (Array.isArray(value) ? value : [value]);

/**
 * A policy document as moto can check it: statements on services moto authorises against `*`
 * get the resource `*` (the action is still checked; the resource is the template walker's job),
 * and a role that may write items gets `dynamodb:TransactWriteItems` (moto asks for that action
 * for a transaction; IAM instead asks for the actions of the transaction's parts, which the
 * role's own statements then grant), likewise `TransactGetItems` for a role that may GetItem.
 */
export function policyAsMotoChecksIt(document: { Statement: PolicyStatement[] }): { Version: string; Statement: PolicyStatement[] } {
  const statements = document.Statement.map((s) => {
    const services = new Set(list(s.Action).map((a) => a.split(':')[0] as string));
    const resourceChecked = [...services].every((service) => RESOURCE_CHECKED_SERVICES.has(service));
    return resourceChecked ? s : { ...s, Resource: '*' };
  });
  const allowed = new Set(statements.filter((s) => s.Effect === 'Allow').flatMap((s) => list(s.Action)));
  const transactions: string[] = [];
  if (['dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:ConditionCheckItem', 'dynamodb:DeleteItem'].some((a) => allowed.has(a)))
    transactions.push('dynamodb:TransactWriteItems');
  if (allowed.has('dynamodb:GetItem')) transactions.push('dynamodb:TransactGetItems');
  if (transactions.length > 0) statements.push({ Sid: 'MotoTransactionsAsOneAction', Effect: 'Allow', Action: transactions, Resource: '*' });
  return { Version: '2012-10-17', Statement: statements };
}

/** Creates every `AWS::IAM::Role` of the template (its trust policy as written); records each (Ref: name, Arn). */
export async function createTemplateRoles(template: CloudFormationTemplate, resources: PhysicalResources, endpoint: string, stackName: string): Promise<void> {
  const { accountId } = resources.pseudo;
  for (const [logicalId, role] of resourcesOfType(template, 'AWS::IAM::Role')) {
    const name = `${stackName}-${logicalId}`.slice(0, 64);
    await motoQuery(endpoint, 'iam', 'CreateRole', {
      RoleName: name,
      AssumeRolePolicyDocument: JSON.stringify(role.Properties?.AssumeRolePolicyDocument ?? {}),
    });
    resources.set(logicalId, { ref: name, attributes: { Arn: `arn:aws:iam::${accountId}:role/${name}`, RoleId: name } });
  }
}

/**
 * Puts every `AWS::IAM::Policy` of the template on the roles it names, resolved against
 * `resources` (so everything it refers to must exist by now) and adapted by `policyAsMotoChecksIt`.
 * Returns the documents put, by role logical id.
 */
export async function putTemplatePolicies(template: CloudFormationTemplate, resources: PhysicalResources, endpoint: string): Promise<Map<string, unknown[]>> {
  const documents = new Map<string, unknown[]>();
  for (const [logicalId, policy] of resourcesOfType(template, 'AWS::IAM::Policy')) {
    const p = policy.Properties ?? {};
    const document = policyAsMotoChecksIt(resolveValue(p.PolicyDocument, resources) as { Statement: PolicyStatement[] });
    for (const roleRef of (p.Roles as { Ref: string }[] | undefined) ?? []) {
      await motoQuery(endpoint, 'iam', 'PutRolePolicy', {
        RoleName: resources.ref(roleRef.Ref),
        PolicyName: logicalId,
        PolicyDocument: JSON.stringify(document),
      });
      documents.set(roleRef.Ref, [...(documents.get(roleRef.Ref) ?? []), document]);
    }
  }
  return documents;
}

/** Temporary credentials of a role of the template (STS AssumeRole, as Lambda and ECS get theirs). */
export async function assumeTemplateRole(resources: PhysicalResources, endpoint: string, roleLogicalId: string, sessionName: string): Promise<RoleCredentials> {
  const xml = await motoQuery(endpoint, 'sts', 'AssumeRole', {
    RoleArn: resources.getAtt(roleLogicalId, 'Arn'),
    RoleSessionName: sessionName,
    DurationSeconds: '3600',
  });
  return {
    AWS_ACCESS_KEY_ID: xmlValue(xml, 'AccessKeyId'),
    AWS_SECRET_ACCESS_KEY: xmlValue(xml, 'SecretAccessKey'),
    AWS_SESSION_TOKEN: xmlValue(xml, 'SessionToken'),
  };
}

/** An IAM user allowed everything: the test's own identity (it reads what the bundles wrote) once moto enforces IAM. */
export async function createOperator(endpoint: string): Promise<RoleCredentials> {
  const user = 'arbfleet-test-operator';
  await motoQuery(endpoint, 'iam', 'CreateUser', { UserName: user });
  const everything = { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: '*', Resource: '*' }] };
  await motoQuery(endpoint, 'iam', 'PutUserPolicy', { UserName: user, PolicyName: 'operator', PolicyDocument: JSON.stringify(everything) });
  const xml = await motoQuery(endpoint, 'iam', 'CreateAccessKey', { UserName: user });
  return { AWS_ACCESS_KEY_ID: xmlValue(xml, 'AccessKeyId'), AWS_SECRET_ACCESS_KEY: xmlValue(xml, 'SecretAccessKey') };
}

/** From now on moto authenticates and authorises every AWS request (moto's own /moto-api/ stays open). */
export async function enforceIam(endpoint: string): Promise<void> {
  const res = await fetch(`${endpoint}/moto-api/reset-auth`, { method: 'POST', body: '0' });
  if (!res.ok) throw new Error(`moto reset-auth: HTTP ${res.status}`);
}
