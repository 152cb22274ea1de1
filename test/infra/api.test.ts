import { describe, expect, it } from 'vitest';
import { API_ROUTES, API_STAGE } from '../../infra/constructs/api.js';
import { logicalIdOf } from '../../infra/constructs/control-plane.js';
import { synthArbfleet } from './support/synth-stack.js';

const { stack, template, json } = synthArbfleet();
const resources = Object.entries(json.Resources);
const restApiId = logicalIdOf(stack.api.restApi);

/** `METHOD /path` of every API Gateway method, its path rebuilt from the resources' parents. */
function routes(): Map<string, Record<string, unknown>> {
  const pathOf = (ref: unknown): string => {
    const parent = ref as { Ref?: string; 'Fn::GetAtt'?: [string, string] };
    if (parent['Fn::GetAtt']?.[1] === 'RootResourceId') return '';
    const resource = json.Resources[parent.Ref!]!.Properties!;
    return `${pathOf(resource.ParentId)}/${String(resource.PathPart)}`;
  };
  return new Map(
    resources
      .filter(([, r]) => r.Type === 'AWS::ApiGateway::Method')
      .map(([, r]) => [`${String(r.Properties!.HttpMethod)} ${pathOf(r.Properties!.ResourceId) || '/'}`, r.Properties!]),
  );
}

describe('api: a REST API in front of the api Lambda', () => {
  it('has exactly the routes of the HTTP API', () => {
    expect([...routes().keys()].sort()).toEqual([...API_ROUTES].sort());
  });

  it.each([...API_ROUTES])('%s requires IAM authorisation and proxies to the api Lambda', (route) => {
    const method = routes().get(route)!;
    expect(method.AuthorizationType).toBe('AWS_IAM');
    const integration = method.Integration as { Type: string; IntegrationHttpMethod: string; Uri: unknown };
    expect(integration.Type).toBe('AWS_PROXY');
    expect(integration.IntegrationHttpMethod).toBe('POST');
    expect(JSON.stringify(integration.Uri)).toContain(logicalIdOf(stack.controlPlane.functions.api));
  });

  it('validates requests: a campaign body must be a JSON object, campaign routes need their id', () => {
    template.hasResourceProperties('AWS::ApiGateway::RequestValidator', { ValidateRequestBody: true, ValidateRequestParameters: true });
    const post = routes().get('POST /campaigns')!;
    expect(post.RequestValidatorId).toBeDefined();
    const modelId = (post.RequestModels as Record<string, { Ref: string }>)['application/json']!.Ref;
    expect(json.Resources[modelId]!.Properties!.Schema).toMatchObject({ type: 'object' });
    for (const route of ['GET /campaigns/{id}', 'POST /campaigns/{id}/stop', 'GET /campaigns/{id}/report']) {
      expect(routes().get(route)!.RequestParameters).toEqual({ 'method.request.path.id': true });
    }
  });

  it('throttles the stage and writes access logs to a log group with retention', () => {
    const [, stage] = resources.find(([, r]) => r.Type === 'AWS::ApiGateway::Stage')!;
    expect(stage.Properties!.StageName).toBe(API_STAGE);
    expect(stage.Properties!.MethodSettings).toEqual([
      expect.objectContaining({ HttpMethod: '*', ResourcePath: '/*', ThrottlingRateLimit: 10, ThrottlingBurstLimit: 20 }),
    ]);
    const accessLog = stage.Properties!.AccessLogSetting as { DestinationArn: unknown; Format: string };
    const logGroupId = logicalIdOf(stack.api.accessLogGroup);
    expect(JSON.stringify(accessLog.DestinationArn)).toContain(`{"Ref":"${logGroupId}"}`);
    expect(json.Resources[logGroupId]!.Properties!.RetentionInDays).toBe(30);
    expect(accessLog.Format).toContain('$context.identity.caller');
  });

  it('is regional and outputs its URL', () => {
    expect(json.Resources[restApiId]!.Properties!.EndpointConfiguration).toEqual({ Types: ['REGIONAL'] });
    const output = template.findOutputs('ApiUrl');
    expect(JSON.stringify(output.ApiUrl!.Value)).toContain(restApiId);
    expect(JSON.stringify(output.ApiUrl!.Value)).toContain(`{"Ref":"${logicalIdOf(stack.api.restApi.deploymentStage)}"}`);
  });
});

describe("api: the account's API Gateway CloudWatch role (access logging fails to deploy without it)", () => {
  it('is created and set by default, kept when the stack goes (the setting is account-wide), and assumed by API Gateway alone', () => {
    const accounts = resources.filter(([, r]) => r.Type === 'AWS::ApiGateway::Account');
    expect(accounts).toHaveLength(1);
    const roleRef = (accounts[0]![1].Properties!.CloudWatchRoleArn as { 'Fn::GetAtt': [string, string] })['Fn::GetAtt'][0];
    const role = json.Resources[roleRef] as unknown as {
      Properties: { AssumeRolePolicyDocument: { Statement: { Principal: unknown }[] } };
      DeletionPolicy?: string;
    };
    expect(role.DeletionPolicy).toBe('Retain');
    expect(role.Properties.AssumeRolePolicyDocument.Statement.map((s) => s.Principal)).toEqual([{ Service: 'apigateway.amazonaws.com' }]);
    const stage = resources.find(([, r]) => r.Type === 'AWS::ApiGateway::Stage')![1] as unknown as {
      DependsOn?: string[];
      Properties: { AccessLogSetting?: unknown };
    };
    expect(stage.Properties.AccessLogSetting).toBeDefined();
    expect(stage.DependsOn ?? []).toContain(accounts[0]![0]);
  });
});
