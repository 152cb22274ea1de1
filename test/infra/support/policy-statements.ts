/**
 * Every IAM policy statement of a synthesised template, with where it came from: identity
 * policies (AWS::IAM::Policy, a role's inline Policies, AWS::IAM::ManagedPolicy) and resource
 * policies (bucket, queue, topic and key policies). Tests walk these instead of picking policies
 * by logical id, so a statement added anywhere later is checked too.
 */
export interface Statement {
  Sid?: string;
  Effect: 'Allow' | 'Deny';
  Action?: string | string[];
  NotAction?: string | string[];
  Resource?: unknown;
  NotResource?: unknown;
  Principal?: unknown;
  Condition?: Record<string, Record<string, unknown>>;
}

export interface LocatedStatement {
  /** Logical id of the resource holding the policy. */
  holder: string;
  holderType: string;
  kind: 'identity' | 'resource';
  statement: Statement;
  /** Roles the policy is attached to (identity policies), as logical ids. */
  roles: string[];
}

type Resources = Record<string, { Type: string; Properties?: Record<string, unknown> }>;

const RESOURCE_POLICY_PROPERTY: Readonly<Record<string, string>> = {
  'AWS::S3::BucketPolicy': 'PolicyDocument',
  'AWS::SQS::QueuePolicy': 'PolicyDocument',
  'AWS::SNS::TopicPolicy': 'PolicyDocument',
  'AWS::KMS::Key': 'KeyPolicy',
};

function statementsOf(document: unknown): Statement[] {
  const statements = (document as { Statement?: Statement | Statement[] } | undefined)?.Statement;
  if (statements === undefined) return [];
  return Array.isArray(statements) ? statements : [statements];
}

function refsOf(value: unknown): string[] {
  return Array.isArray(value) ? value.flatMap((v) => ((v as { Ref?: string }).Ref ? [(v as { Ref: string }).Ref] : [])) : [];
}

/** All statements of the template's policies. */
export function policyStatements(resources: Resources): LocatedStatement[] {
  const found: LocatedStatement[] = [];
  for (const [holder, resource] of Object.entries(resources)) {
    const props = resource.Properties ?? {};
    const push = (document: unknown, kind: LocatedStatement['kind'], roles: string[]) => {
      for (const statement of statementsOf(document)) found.push({ holder, holderType: resource.Type, kind, statement, roles });
    };
    switch (resource.Type) {
      case 'AWS::IAM::Policy':
      case 'AWS::IAM::ManagedPolicy':
        push(props.PolicyDocument, 'identity', refsOf(props.Roles));
        break;
      case 'AWS::IAM::Role':
        for (const policy of (props.Policies as { PolicyDocument: unknown }[] | undefined) ?? []) push(policy.PolicyDocument, 'identity', [holder]);
        break;
      default: {
        const property = RESOURCE_POLICY_PROPERTY[resource.Type];
        if (property) push(props[property], 'resource', []);
      }
    }
  }
  return found;
}

export function asList(value: string | string[] | undefined): string[] {
  return value === undefined ? [] : Array.isArray(value) ? value : [value];
}

/** The statement's resources, each a literal string or a CloudFormation expression. */
export function resourcesOf(statement: Statement): unknown[] {
  const resource = statement.Resource;
  return resource === undefined ? [] : Array.isArray(resource) ? resource : [resource];
}

/** The identity statements attached to a role (by its logical id). */
export function statementsOfRole(all: LocatedStatement[], roleLogicalId: string): Statement[] {
  return all.filter((s) => s.kind === 'identity' && s.roles.includes(roleLogicalId)).map((s) => s.statement);
}

/** Every action a role is allowed. */
export function allowedActions(all: LocatedStatement[], roleLogicalId: string): Set<string> {
  return new Set(
    statementsOfRole(all, roleLogicalId)
      .filter((s) => s.Effect === 'Allow')
      .flatMap((s) => asList(s.Action)),
  );
}
