import type { EventPattern } from 'aws-cdk-lib/aws-events';

/** A pattern as the local bus reads it (`detail-type` spelled as on the wire) turned into CDK's form. */
export function toEventPattern(p: {
  source: string[];
  'detail-type': string[];
  detail?: Record<string, unknown>;
}): EventPattern {
  return {
    source: p.source,
    detailType: p['detail-type'],
    ...(p.detail ? { detail: p.detail } : {}),
  };
}
