import { Match } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import { TABLES, tableNames } from '../../core/aws/table-design.js';
import { synthArbfleet } from './support/synth-stack.js';

const { template, json } = synthArbfleet();
const names = tableNames('Arbfleet-');
const tables = Object.entries(json.Resources).filter(([, r]) => r.Type === 'AWS::DynamoDB::Table');
const tableNamed = (name: string) => {
  const found = tables.find(([, r]) => r.Properties?.TableName === name);
  if (!found) throw new Error(`no table named ${name}; tables: ${tables.map(([, r]) => String(r.Properties?.TableName)).join(', ')}`);
  return {
    logicalId: found[0],
    props: found[1].Properties as Record<string, unknown>,
    resource: json.Resources[found[0]] as unknown as Record<string, unknown>,
  };
};

describe('state: the DynamoDB tables come from the one table design', () => {
  it('declares exactly the tables of TABLES, named <stackName>-<logicalName>', () => {
    expect(tables.map(([, r]) => r.Properties?.TableName).sort()).toEqual(TABLES.map((t) => names[t.logicalName]).sort());
  });

  it.each(TABLES.map((t) => [t.logicalName, t] as const))('%s: keys, indexes, TTL and point-in-time recovery as designed', (_, design) => {
    const { props } = tableNamed(names[design.logicalName]);
    const keySchema = [
      { AttributeName: design.partitionKey.name, KeyType: 'HASH' },
      ...(design.sortKey ? [{ AttributeName: design.sortKey.name, KeyType: 'RANGE' }] : []),
    ];
    expect(props.KeySchema).toEqual(keySchema);
    const attributes = [
      design.partitionKey,
      ...(design.sortKey ? [design.sortKey] : []),
      ...design.indexes.flatMap((i) => [i.partitionKey, ...(i.sortKey ? [i.sortKey] : [])]),
    ];
    const expectedDefinitions = [...new Map(attributes.map((a) => [a.name, { AttributeName: a.name, AttributeType: a.type }])).values()];
    expect(props.AttributeDefinitions).toEqual(expect.arrayContaining(expectedDefinitions));
    expect((props.AttributeDefinitions as unknown[]).length).toBe(expectedDefinitions.length);
    expect(props.GlobalSecondaryIndexes ?? []).toEqual(
      design.indexes.map((index) => ({
        IndexName: index.name,
        KeySchema: [
          { AttributeName: index.partitionKey.name, KeyType: 'HASH' },
          ...(index.sortKey ? [{ AttributeName: index.sortKey.name, KeyType: 'RANGE' }] : []),
        ],
        Projection: { ProjectionType: 'ALL' },
      })),
    );
    expect(props.PointInTimeRecoverySpecification).toEqual({ PointInTimeRecoveryEnabled: design.pointInTimeRecovery });
    if (design.ttlAttribute) expect(props.TimeToLiveSpecification).toEqual({ AttributeName: design.ttlAttribute, Enabled: true });
    else expect(props.TimeToLiveSpecification).toBeUndefined();
  });

  it('bills on demand and encrypts every table with the AWS-managed key', () => {
    for (const [, table] of tables) {
      expect(table.Properties?.BillingMode).toBe('PAY_PER_REQUEST');
      expect(table.Properties?.SSESpecification).toEqual({ SSEEnabled: true });
    }
  });

  it('retains the tables when the stack is deleted, and protects them from deletion', () => {
    for (const design of TABLES) {
      const { resource, props } = tableNamed(names[design.logicalName]);
      expect(resource.DeletionPolicy).toBe('Retain');
      expect(resource.UpdateReplacePolicy).toBe('Retain');
      expect(props.DeletionProtectionEnabled).toBe(true);
    }
  });

  it('the watchdog index (active-shards) and the scheduler index (live-campaigns) exist', () => {
    expect(JSON.stringify(tableNamed(names.shards).props.GlobalSecondaryIndexes)).toContain('active-shards');
    expect(JSON.stringify(tableNamed(names.campaigns).props.GlobalSecondaryIndexes)).toContain('live-campaigns');
  });
});

describe('state: the report bucket', () => {
  it('is encrypted, versioned, private and retained', () => {
    template.hasResource('AWS::S3::Bucket', {
      DeletionPolicy: 'Retain',
      Properties: Match.objectLike({
        BucketEncryption: { ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }] },
        VersioningConfiguration: { Status: 'Enabled' },
        PublicAccessBlockConfiguration: { BlockPublicAcls: true, BlockPublicPolicy: true, IgnorePublicAcls: true, RestrictPublicBuckets: true },
      }),
    });
  });

  it('refuses requests without TLS', () => {
    template.hasResourceProperties('AWS::S3::BucketPolicy', {
      PolicyDocument: {
        Statement: Match.arrayWith([Match.objectLike({ Effect: 'Deny', Action: 's3:*', Condition: { Bool: { 'aws:SecureTransport': 'false' } } })]),
      },
    });
  });
});
