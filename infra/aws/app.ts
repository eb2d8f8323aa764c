/**
 * The CDK app: `npx cdk deploy --all` deploys the whole coordinator. Configuration comes from the
 * `flexdr` context (cdk.json or `-c`), see `config.ts`. cdk-nag's AwsSolutions checks run on every synth.
 */
import { App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { readConfig } from './config.ts';
import { buildFlexdr } from './flexdr.ts';

const app = new App();
const config = readConfig(app.node.tryGetContext('flexdr'));
buildFlexdr(app, config, {
  account: process.env.CDK_DEFAULT_ACCOUNT,
  region: process.env.CDK_DEFAULT_REGION,
});
Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
