/** Every DynamoDB repository over one table. */
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { Ports } from '../../ports.ts';
import { DynamoBindingRepository } from './binding-repository.ts';
import { DynamoBuildingRepository } from './building-repository.ts';
import { DynamoCalendarRepository } from './calendar-repository.ts';
import { DynamoCommandRepository } from './command-repository.ts';
import { DynamoEventRepository } from './event-repository.ts';
import { DynamoOpenadrRepository } from './openadr-repository.ts';
import { DynamoOutbox } from './outbox.ts';
import { DynamoParkRepository } from './park-repository.ts';
import { DynamoProgramRepository } from './program-repository.ts';
import { DynamoReservationRepository } from './reservation-repository.ts';
import { DynamoSettlementRepository } from './settlement-repository.ts';
import { DynamoTelemetryRepository } from './telemetry-repository.ts';

/** The repository ports the DynamoDB adapters implement. */
export type Repositories = Pick<
  Ports,
  | 'parks'
  | 'bindings'
  | 'buildings'
  | 'telemetry'
  | 'programs'
  | 'calendars'
  | 'events'
  | 'commands'
  | 'reservations'
  | 'settlements'
  | 'openadr'
  | 'outbox'
>;

/**
 * Builds every repository over one table. `doc` must marshal with `removeUndefinedValues: true`
 * (domain objects carry optional fields that may be undefined), as `functions/commons/clients.ts`
 * and the test helpers configure it.
 */
export function dynamoRepositories(
  doc: DynamoDBDocumentClient,
  table: string,
  options: { readingRetentionDays: number; now: () => number },
): Repositories {
  return {
    parks: new DynamoParkRepository(doc, table),
    bindings: new DynamoBindingRepository(doc, table),
    buildings: new DynamoBuildingRepository(doc, table),
    telemetry: new DynamoTelemetryRepository(doc, table, options.readingRetentionDays, options.now),
    programs: new DynamoProgramRepository(doc, table),
    calendars: new DynamoCalendarRepository(doc, table, options.now),
    events: new DynamoEventRepository(doc, table, options.now),
    commands: new DynamoCommandRepository(doc, table, options.now),
    reservations: new DynamoReservationRepository(doc, table),
    settlements: new DynamoSettlementRepository(doc, table, options.now),
    openadr: new DynamoOpenadrRepository(doc, table, options.now),
    outbox: new DynamoOutbox(doc, table, options.now),
  };
}
