/**
 * API: a REST API Gateway in front of the `api` Lambda. Every method requires IAM authorisation
 * (requests signed with SigV4 by the caller's AWS credentials), the stage is throttled and writes
 * access logs. Only the routes of `core/api/api-routes.ts` exist; anything else is refused by
 * API Gateway before it costs a Lambda invocation.
 *
 * Body size: REST APIs accept up to 10 MB and cannot be configured lower; the `api` Lambda refuses
 * bodies over 64 KiB with 413 (`DEFAULT_MAX_BODY_BYTES`), and the request validator checks that a
 * campaign body is a JSON object before the Lambda is invoked.
 */
import { CfnOutput, RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import * as apigateway from 'aws-cdk-lib/aws-apigateway';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';

export interface ApiProps {
  handler: lambda.IFunction;
  rateLimit: number;
  burstLimit: number;
  logRetention: logs.RetentionDays;
  /** Create and set the account's API Gateway CloudWatch role (`StackSettings.apiGatewayAccountRole`). */
  accountRole: boolean;
}

/** The routes, as `METHOD path` (API Gateway's resource paths). */
export const API_ROUTES = [
  'GET /',
  'POST /campaigns',
  'GET /campaigns',
  'GET /campaigns/{id}',
  'POST /campaigns/{id}/stop',
  'GET /campaigns/{id}/report',
  'POST /schedules',
  'GET /schedules',
  'GET /schedules/{id}',
  'DELETE /schedules/{id}',
  'POST /schedules/{id}/pause',
  'POST /schedules/{id}/resume',
  'POST /schedules/{id}/trigger',
] as const;

export const API_STAGE = 'v1';

export class Api extends Construct {
  readonly restApi: apigateway.RestApi;
  readonly accessLogGroup: logs.LogGroup;

  constructor(scope: Construct, id: string, props: ApiProps) {
    super(scope, id);
    this.accessLogGroup = new logs.LogGroup(this, 'AccessLogGroup', { retention: props.logRetention, removalPolicy: RemovalPolicy.DESTROY });
    this.restApi = new apigateway.RestApi(this, 'RestApi', {
      restApiName: `${Stack.of(this).stackName}-api`,
      description: 'arbfleet control API (IAM-authorised)',
      endpointTypes: [apigateway.EndpointType.REGIONAL],
      // Access logging needs the account's API Gateway CloudWatch role; without it the stage fails to deploy.
      cloudWatchRole: props.accountRole,
      ...(props.accountRole ? { cloudWatchRoleRemovalPolicy: RemovalPolicy.RETAIN } : {}),
      defaultMethodOptions: { authorizationType: apigateway.AuthorizationType.IAM },
      deployOptions: {
        stageName: API_STAGE,
        throttlingRateLimit: props.rateLimit,
        throttlingBurstLimit: props.burstLimit,
        metricsEnabled: true,
        accessLogDestination: new apigateway.LogGroupLogDestination(this.accessLogGroup),
        accessLogFormat: apigateway.AccessLogFormat.jsonWithStandardFields({
          caller: true,
          httpMethod: true,
          ip: true,
          protocol: true,
          requestTime: true,
          resourcePath: true,
          responseLength: true,
          status: true,
          user: true,
        }),
      },
    });
    const api = this.restApi;
    const integration = new apigateway.LambdaIntegration(props.handler, { proxy: true });
    const validator = api.addRequestValidator('RequestValidator', { validateRequestBody: true, validateRequestParameters: true });
    const campaignBody = api.addModel('CampaignBody', {
      contentType: 'application/json',
      modelName: 'CampaignBody',
      description: 'A campaign config (checked field by field by the api Lambda, which also refuses bodies over 64 KiB)',
      schema: { schema: apigateway.JsonSchemaVersion.DRAFT4, title: 'CampaignBody', type: apigateway.JsonSchemaType.OBJECT },
    });
    const withId = { 'method.request.path.id': true };

    api.root.addMethod('GET', integration, { requestValidator: validator });
    const campaigns = api.root.addResource('campaigns');
    campaigns.addMethod('GET', integration, { requestValidator: validator });
    campaigns.addMethod('POST', integration, { requestValidator: validator, requestModels: { 'application/json': campaignBody } });
    const campaign = campaigns.addResource('{id}');
    campaign.addMethod('GET', integration, { requestValidator: validator, requestParameters: withId });
    campaign.addResource('stop').addMethod('POST', integration, { requestValidator: validator, requestParameters: withId });
    campaign.addResource('report').addMethod('GET', integration, { requestValidator: validator, requestParameters: withId });
    const scheduleBody = api.addModel('ScheduleBody', {
      contentType: 'application/json',
      modelName: 'ScheduleBody',
      description: 'A schedule with its campaign config (checked field by field by the api Lambda)',
      schema: { schema: apigateway.JsonSchemaVersion.DRAFT4, title: 'ScheduleBody', type: apigateway.JsonSchemaType.OBJECT },
    });
    const schedules = api.root.addResource('schedules');
    schedules.addMethod('GET', integration, { requestValidator: validator });
    schedules.addMethod('POST', integration, { requestValidator: validator, requestModels: { 'application/json': scheduleBody } });
    const schedule = schedules.addResource('{id}');
    schedule.addMethod('GET', integration, { requestValidator: validator, requestParameters: withId });
    schedule.addMethod('DELETE', integration, { requestValidator: validator, requestParameters: withId });
    for (const action of ['pause', 'resume', 'trigger']) {
      schedule.addResource(action).addMethod('POST', integration, { requestValidator: validator, requestParameters: withId });
    }

    new CfnOutput(Stack.of(this), 'ApiUrl', { value: api.url, description: 'arbfleet API base URL (requests must be SigV4-signed, service execute-api)' });
    new CfnOutput(Stack.of(this), 'ApiInvokeArn', {
      value: api.arnForExecuteApi('*', '/*', API_STAGE),
      description: 'Resource for the execute-api:Invoke permission an operator needs',
    });

    Validations.of(api).acknowledge(
      {
        id: 'AwsSolutions-APIG3',
        reason:
          'Every method requires IAM (SigV4) authorisation and the stage is throttled; a WAF web ACL adds cost without protecting an API no anonymous caller can reach.',
      },
      {
        id: 'AwsSolutions-APIG6',
        reason:
          'Execution logging (every request body and integration detail) is left off: the stage writes access logs and the api Lambda logs every error, which is what an operator reads.',
      },
      {
        id: 'AwsSolutions-COG4',
        reason:
          'The API uses IAM authorisation (SigV4 with the caller’s AWS credentials), not a Cognito user pool: its users are operators with AWS identities.',
      },
    );
    if (props.accountRole) {
      const role = api.node.tryFindChild('CloudWatchRole');
      if (role) {
        Validations.of(role).acknowledge({
          id: 'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AmazonAPIGatewayPushToCloudWatchLogs]',
          reason: "API Gateway's account-wide logging role: AWS's managed policy is the documented one for it, and API Gateway alone assumes the role.",
        });
      }
    }
  }
}
