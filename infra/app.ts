/**
 * The CDK app (`cdk.json`: `npx tsx infra/app.ts`). One stack; its options come from CDK context
 * (see `stack-settings.ts` and docs/deploy.md). `-c nag=true` also runs cdk-nag's AwsSolutions
 * pack as a validation plugin during synthesis (the tests always run it).
 */
import { App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { ArbfleetStack } from './arbfleet-stack.js';
import { readStackSettings } from './stack-settings.js';

const app = new App();
const settings = readStackSettings((key) => app.node.tryGetContext(key));
const account = process.env.CDK_DEFAULT_ACCOUNT;
const region = process.env.CDK_DEFAULT_REGION;
if (settings.vpcId && (!account || !region)) {
  throw new Error(
    `context vpcId=${settings.vpcId}: looking up an existing VPC needs an account and a region; run with AWS credentials and a region configured (AWS_PROFILE / AWS_REGION)`,
  );
}
new ArbfleetStack(app, 'Arbfleet', {
  settings,
  ...(account && region ? { env: { account, region } } : {}),
});
const nag = app.node.tryGetContext('nag');
if (nag === true || nag === 'true') Validations.of(app).addPlugins(new AwsSolutionsChecks(app, { verbose: true }));
app.synth();
