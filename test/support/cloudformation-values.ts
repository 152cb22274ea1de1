/**
 * Resolves the intrinsic functions a synthesised template uses (`Ref`, `Fn::GetAtt`, `Fn::Join`,
 * `Fn::Sub`, `Fn::Select`) against the physical names and ARNs of resources a test created, so
 * environments, policies and alarm dimensions are read from the template, never retyped.
 */

/** What a resource of the template resolves to once it exists (in an emulator). */
export interface PhysicalResource {
  /** What `Ref` returns (a name, a URL, an id or an ARN, depending on the resource type). */
  ref: string;
  /** What `Fn::GetAtt` returns, by attribute (`Arn`, `QueueName`, `GroupId`, …). */
  attributes?: Record<string, string>;
}

/** The account and region the resources live in (CloudFormation's pseudo parameters). */
export interface PseudoParameters {
  accountId: string;
  region: string;
  stackName: string;
}

/** Physical resources by logical id, plus pseudo parameters. */
export class PhysicalResources {
  private readonly byLogicalId = new Map<string, PhysicalResource>();

  constructor(readonly pseudo: PseudoParameters) {}

  /** Records what `logicalId` resolves to. */
  set(logicalId: string, resource: PhysicalResource): void {
    this.byLogicalId.set(logicalId, resource);
  }

  has(logicalId: string): boolean {
    return this.byLogicalId.has(logicalId);
  }

  ref(name: string): string {
    const pseudo: Record<string, string> = {
      'AWS::Region': this.pseudo.region,
      'AWS::AccountId': this.pseudo.accountId,
      'AWS::Partition': 'aws',
      'AWS::URLSuffix': 'amazonaws.com',
      'AWS::StackName': this.pseudo.stackName,
    };
    const value = pseudo[name] ?? this.byLogicalId.get(name)?.ref;
    if (value === undefined) throw new UnresolvedReferenceError(`Ref ${name}`);
    return value;
  }

  getAtt(logicalId: string, attribute: string): string {
    const value = this.byLogicalId.get(logicalId)?.attributes?.[attribute];
    if (value === undefined) throw new UnresolvedReferenceError(`Fn::GetAtt ${logicalId}.${attribute}`);
    return value;
  }
}

/** A reference to a resource the test did not create (or an attribute it did not record). */
export class UnresolvedReferenceError extends Error {
  constructor(what: string) {
    super(`${what}: no physical resource recorded for it`);
    this.name = 'UnresolvedReferenceError';
  }
}

/**
 * The value of a template expression with every intrinsic function resolved through `resources`.
 * Plain objects and arrays are resolved member by member; an unknown function or reference throws,
 * naming it, so a template change cannot slip past as a half-resolved value.
 */
export function resolveValue(value: unknown, resources: PhysicalResources): unknown {
  if (Array.isArray(value)) return value.map((v) => resolveValue(v, resources));
  if (value === null || typeof value !== 'object') return value;
  const entries = Object.entries(value as Record<string, unknown>);
  const [first] = entries;
  if (entries.length === 1 && first && (first[0] === 'Ref' || first[0].startsWith('Fn::'))) return resolveIntrinsic(first[0], first[1], resources);
  return Object.fromEntries(entries.map(([k, v]) => [k, resolveValue(v, resources)]));
}

/** `resolveValue`, for expressions that must come out as a string (environment values, ARNs). */
export function resolveString(value: unknown, resources: PhysicalResources): string {
  const resolved = resolveValue(value, resources);
  if (typeof resolved !== 'string' && typeof resolved !== 'number')
    throw new Error(`expected a string from ${JSON.stringify(value)}, got ${JSON.stringify(resolved)}`);
  return String(resolved);
}

function resolveIntrinsic(name: string, argument: unknown, resources: PhysicalResources): unknown {
  switch (name) {
    case 'Ref':
      return resources.ref(argument as string);
    case 'Fn::GetAtt': {
      const [logicalId, attribute] = Array.isArray(argument) ? (argument as string[]) : String(argument).split('.');
      return resources.getAtt(logicalId as string, attribute as string);
    }
    case 'Fn::Join': {
      const [separator, parts] = argument as [string, unknown[]];
      return (resolveValue(parts, resources) as unknown[]).map(String).join(separator);
    }
    case 'Fn::Select': {
      const [index, list] = argument as [number | string, unknown];
      return (resolveValue(list, resources) as unknown[])[Number(index)];
    }
    case 'Fn::Sub': {
      const [text, variables] = Array.isArray(argument) ? (argument as [string, Record<string, unknown>]) : [argument as string, {}];
      return text.replace(/\$\{([^}]+)\}/g, (_, expression: string) => {
        if (expression in variables) return resolveString(variables[expression], resources);
        const [logicalId, attribute] = expression.split('.');
        return attribute === undefined ? resources.ref(logicalId as string) : resources.getAtt(logicalId as string, attribute);
      });
    }
    default:
      throw new Error(`intrinsic function ${name} is not supported by the test's template resolver`);
  }
}
