/**
 * State: the six DynamoDB tables, declared from the one table design (`core/aws/table-design.ts`)
 * the DynamoDB store also creates its test tables from, and the bucket the reporter stores
 * campaign reports in.
 */
import { Duration, RemovalPolicy, Validations } from 'aws-cdk-lib';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import { TABLES, tableNames, type KeyAttribute, type TableDesign } from '../../core/aws/table-design.js';

export type TableName = TableDesign['logicalName'];

export interface StateProps {
  /** Physical names are `<tablePrefix><logicalName>`. */
  tablePrefix: string;
  /** Delete the tables and the report bucket with the stack (default: retain them). */
  destroyTables: boolean;
}

function attribute(key: KeyAttribute): dynamodb.Attribute {
  return { name: key.name, type: key.type === 'S' ? dynamodb.AttributeType.STRING : dynamodb.AttributeType.NUMBER };
}

export class State extends Construct {
  readonly tables: Readonly<Record<TableName, dynamodb.Table>>;
  /** Campaign reports: `<campaignId>/report.json|md|html`, `events.jsonl`. */
  readonly reportBucket: s3.Bucket;

  constructor(scope: Construct, id: string, props: StateProps) {
    super(scope, id);
    const removalPolicy = props.destroyTables ? RemovalPolicy.DESTROY : RemovalPolicy.RETAIN;
    const names = tableNames(props.tablePrefix);
    const tables = {} as Record<TableName, dynamodb.Table>;
    for (const design of TABLES) {
      const table = new dynamodb.Table(this, tableConstructId(design.logicalName), {
        tableName: names[design.logicalName],
        partitionKey: attribute(design.partitionKey),
        ...(design.sortKey ? { sortKey: attribute(design.sortKey) } : {}),
        billingMode: dynamodb.BillingMode.PAY_PER_REQUEST,
        encryption: dynamodb.TableEncryption.AWS_MANAGED,
        pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: design.pointInTimeRecovery },
        ...(design.ttlAttribute ? { timeToLiveAttribute: design.ttlAttribute } : {}),
        deletionProtection: !props.destroyTables,
        removalPolicy,
      });
      for (const index of design.indexes) {
        table.addGlobalSecondaryIndex({
          indexName: index.name,
          partitionKey: attribute(index.partitionKey),
          ...(index.sortKey ? { sortKey: attribute(index.sortKey) } : {}),
          projectionType: dynamodb.ProjectionType.ALL,
        });
      }
      if (!design.pointInTimeRecovery) {
        Validations.of(table).acknowledge({
          id: 'AwsSolutions-DDB3',
          reason: `The ${design.logicalName} table holds history that TTL clears; nothing is restored from it (the table design says point-in-time recovery does not matter for it).`,
        });
      }
      tables[design.logicalName] = table;
    }
    this.tables = tables;

    this.reportBucket = new s3.Bucket(this, 'ReportBucket', {
      encryption: s3.BucketEncryption.S3_MANAGED,
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      enforceSSL: true,
      versioned: true,
      lifecycleRules: [{ noncurrentVersionExpiration: Duration.days(90), abortIncompleteMultipartUploadAfter: Duration.days(7) }],
      removalPolicy,
    });
    Validations.of(this.reportBucket).acknowledge({
      id: 'AwsSolutions-S1',
      reason:
        'Only the reporter Lambda writes reports and only IAM principals read them; CloudTrail data events can audit access if needed, a second bucket for server access logs is not worth its cost here.',
    });
  }

  /** The ARNs a policy names for a table: the table and each of its design's indexes (no `index/*`). */
  tableArns(name: TableName, withIndexes = true): string[] {
    const table = this.tables[name];
    const design = TABLES.find((t) => t.logicalName === name);
    const indexes = withIndexes ? (design?.indexes ?? []).map((index) => `${table.tableArn}/index/${index.name}`) : [];
    return [table.tableArn, ...indexes];
  }
}

/** `ledger` → `LedgerTable`: stable construct ids, so logical ids do not move when the design grows. */
function tableConstructId(logicalName: string): string {
  return `${logicalName.charAt(0).toUpperCase()}${logicalName.slice(1)}Table`;
}
