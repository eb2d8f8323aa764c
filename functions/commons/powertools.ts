/**
 * Logger, metrics and tracer, created once and shared by every handler (STYLE 2). In Lambda they
 * follow the POWERTOOLS_* variables the stack sets. Elsewhere (the local runtime, tests) nothing
 * collects EMF or X-Ray: metrics are dropped at each flush, the tracer is off (Powertools turns it
 * off outside Lambda) and the logger says errors only, unless POWERTOOLS_LOG_LEVEL says otherwise.
 */
import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';
import { Tracer } from '@aws-lambda-powertools/tracer';

const serviceName = process.env.POWERTOOLS_SERVICE_NAME ?? 'flexdr';
const inLambda = process.env.AWS_LAMBDA_FUNCTION_NAME !== undefined;

/** Metrics that nothing collects: each flush drops what was added instead of printing EMF. */
class UncollectedMetrics extends Metrics {
  override publishStoredMetrics(): this {
    this.clearMetrics();
    this.clearDimensions();
    this.clearMetadata();
    return this;
  }
}

export const logger = new Logger({
  serviceName,
  ...(!inLambda && process.env.POWERTOOLS_LOG_LEVEL === undefined ? { logLevel: 'ERROR' as const } : {}),
});
const metricsOptions = {
  serviceName,
  /** Metrics' own warnings go through the structured logger, so its level applies to them too. */
  logger,
  namespace: process.env.POWERTOOLS_METRICS_NAMESPACE ?? 'FlexDR',
};
export const metrics: Metrics = inLambda
  ? new Metrics(metricsOptions)
  : new UncollectedMetrics(metricsOptions);
export const tracer = new Tracer({ serviceName });
