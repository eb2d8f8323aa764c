/** The stacks of one stage, joined by typed props; shared by the app and the infra tests. */
import { type App, type Environment, Tags } from 'aws-cdk-lib';
import { createTableInput, TTL_ATTRIBUTE } from '../../lib/adapters/dynamodb/table.ts';
import type { DeployConfig } from './config.ts';
import { acknowledgeFindings } from './nag-acknowledgements.ts';
import { ObservabilityStack } from './stacks/observability-stack.ts';
import { StatefulStack } from './stacks/stateful-stack.ts';
import { StatelessStack } from './stacks/stateless-stack.ts';

export function buildFlexdr(app: App, config: DeployConfig, env: Partial<Environment> = {}) {
  const data = new StatefulStack(app, `FlexDR-${config.stage}-Data`, {
    env,
    config,
    layout: createTableInput(`flexdr-${config.stage}`),
    ttlAttribute: TTL_ATTRIBUTE,
  });
  const service = new StatelessStack(app, `FlexDR-${config.stage}-Service`, { env, config, data });
  const observability = new ObservabilityStack(app, `FlexDR-${config.stage}-Observability`, {
    env,
    functions: service.functions.all(),
    deadLetterQueues: service.deadLetterQueues,
    api: service.httpApi.api,
    alarmEmail: config.alarmEmail,
    stage: config.stage,
  });
  Tags.of(app).add('project', 'flexdr');
  Tags.of(app).add('stage', config.stage);
  acknowledgeFindings(data, service, observability);
  return { data, service, observability };
}
