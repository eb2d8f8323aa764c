/**
 * The CDK app: `npx cdk deploy --all` deploys the whole coordinator. Configuration comes from a JSON
 * file named by the `flexdrConfigFile` context (`npm run deploy -- --config stage.json` passes it) or
 * else the `flexdr` context (cdk.json), see `config.ts`. cdk-nag's AwsSolutions checks run on every synth.
 */
import { readFileSync } from 'node:fs';
import { App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { readConfig } from './config.ts';
import { buildFlexdr } from './flexdr.ts';

const app = new App();
const configFile: unknown = app.node.tryGetContext('flexdrConfigFile');
const config = readConfig(
  typeof configFile === 'string'
    ? JSON.parse(readFileSync(configFile, 'utf8'))
    : app.node.tryGetContext('flexdr'),
);
buildFlexdr(app, config, {
  account: process.env.CDK_DEFAULT_ACCOUNT,
  region: process.env.CDK_DEFAULT_REGION,
});
Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
