/** The stacks of one stage, joined by typed props; shared by the app and the infra tests. */
import { type App, type Environment, Tags } from 'aws-cdk-lib';
import { createTableInput, TTL_ATTRIBUTE } from '../../lib/adapters/dynamodb/table.ts';
import type { DeployConfig } from './config.ts';
import { acknowledgeFindings } from './nag-acknowledgements.ts';
import { IntegrationsStack } from './stacks/integrations-stack.ts';
import { ObservabilityStack } from './stacks/observability-stack.ts';
import { busNameOf, StatefulStack } from './stacks/stateful-stack.ts';
import { StatelessStack } from './stacks/stateless-stack.ts';

export function buildFlexdr(app: App, config: DeployConfig, env: Partial<Environment> = {}) {
  const data = new StatefulStack(app, `FlexDR-${config.stage}-Data`, {
    env,
    config,
    layout: createTableInput(`flexdr-${config.stage}`),
    ttlAttribute: TTL_ATTRIBUTE,
  });
  const service = new StatelessStack(app, `FlexDR-${config.stage}-Service`, { env, config, data });
  const integrations = new IntegrationsStack(app, `FlexDR-${config.stage}-Integrations`, {
    env,
    stage: config.stage,
    busName: busNameOf(config.stage),
    integrations: config.bmsIntegrations,
    ackTimeoutMinutes: config.ackTimeoutMinutes,
  });
  // Found by name, not by reference: say the order out loud.
  integrations.addStackDependency(data, 'rules go on the bus the data stack creates');
  const observability = new ObservabilityStack(app, `FlexDR-${config.stage}-Observability`, {
    env,
    functions: service.functions.all(),
    deadLetterQueues: [...service.deadLetterQueues, ...integrations.integrations.deadLetterQueues],
    api: service.httpApi.api,
    alarmEmail: config.alarmEmail,
    stage: config.stage,
  });
  Tags.of(app).add('project', 'flexdr');
  Tags.of(app).add('stage', config.stage);
  acknowledgeFindings(data, service, observability);
  return { data, service, integrations, observability };
}
