/** Logger, metrics and tracer, created once and shared by every handler (STYLE 2). */
import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';
import { Tracer } from '@aws-lambda-powertools/tracer';

const serviceName = process.env.POWERTOOLS_SERVICE_NAME ?? 'flexdr';

export const logger = new Logger({ serviceName });
/** Metrics' own warnings go through the structured logger, so its level applies to them too. */
export const metrics = new Metrics({
  serviceName,
  logger,
  namespace: process.env.POWERTOOLS_METRICS_NAMESPACE ?? 'FlexDR',
});
export const tracer = new Tracer({ serviceName });
