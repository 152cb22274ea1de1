import { ListTablesCommand } from '@aws-sdk/client-dynamodb';
import { describe, expect, inject, it } from 'vitest';
import { AwsClients, awsClientSettings } from '../../../core/aws/aws-clients.js';

describe('the AWS API emulator the suites run against', () => {
  it('answers DynamoDB over HTTP at AWS_ENDPOINT_URL, through the project client factory', async () => {
    const settings = awsClientSettings();
    expect(settings.endpoint).toMatch(/^http:\/\/(127\.0\.0\.1|localhost)(:\d+)?$/);
    const clients = new AwsClients(settings);
    const { TableNames } = await clients.documents.send(new ListTablesCommand({}));
    expect(Array.isArray(TableNames)).toBe(true);
    // moto, started by the tests, is reset before each suite: nothing is left from another one.
    if (inject('awsEmulatorIsMoto')) expect(TableNames).toEqual([]);
    clients.destroy();
  });
});
