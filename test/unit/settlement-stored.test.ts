import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, describe, expect, it } from 'vitest';
import { DynamoSettlementRepository } from '../../lib/adapters/dynamodb/settlement-repository.ts';
import { commandShard, keys } from '../../lib/adapters/dynamodb/table.ts';
import { SettlementRules } from '../../lib/domain/model/program.ts';
import { type SettlementInput, settleBuilding } from '../../lib/domain/settlement.ts';

const doc = DynamoDBDocumentClient.from(new DynamoDBClient({ region: 'cn-north-1' }));
const dynamo = mockClient(DynamoDBDocumentClient);
afterEach(() => dynamo.reset());

/** Sichuan-style rules at 3 ¥/kWh; 85, 85, 95, 75 kW delivered against 100 kW from 13:30 China time. */
const input = (evaluation?: 'HOUR'): SettlementInput => ({
  buildingId: 'b1',
  parkId: 'p1',
  direction: 'PEAK_SHAVING',
  rules: SettlementRules.parse({
    unit: 'YUAN_PER_KWH',
    price: 3,
    excess: { aboveRatio: 1.1, paidShare: 0.5 },
    penalty: { belowRatio: 0.9, multiplier: 1.1 },
    ...(evaluation && { evaluation }),
  }),
  intervalMinutes: 15,
  startMs: Date.parse('2026-03-10T13:30:00+08:00'),
  declaredKw: [100, 100, 100, 100],
  baselineKw: [500, 500, 500, 500],
  actualKw: [415, 415, 405, 425],
});

const shardOfB1 = keys.settlementShard('ev', commandShard('b1'));
const storedItem = (settlement: unknown) => ({
  pk: shardOfB1,
  sk: 'SETTLE#BLDG#b1',
  type: 'buildingSettlement',
  settlement,
});
/** Answers the query of b1's shard with `items`, and every other partition with nothing. */
function stored(...items: unknown[]): void {
  dynamo.on(QueryCommand).resolves({ Items: [] });
  dynamo
    .on(QueryCommand, { ExpressionAttributeValues: { ':pk': shardOfB1 } })
    .resolves({ Items: items as never[] });
}

describe('DynamoSettlementRepository: building settlements read back', () => {
  it('reads a settlement stored before evaluation periods existed as an EVENT settlement of one period', async () => {
    // Prepare: the stored shape of the time: no evaluation, no periods, rules without evaluation
    const { evaluation: _e, periods: _p, ...legacy } = settleBuilding({ ...input(), startMs: undefined });
    stored(storedItem(legacy));

    // Act
    const { buildings } = await new DynamoSettlementRepository(doc, 't').ofEvent('ev');

    // Assess: exactly what settling the same readings again gives without a start instant: ΔP = 85,
    // paid 3 × 85 × 1 h = 255 ¥, penalty (90 − 85) × 1.1 × 3 × 1 h = 16.5 ¥, one period of four
    // intervals whose start is unknown
    expect(buildings).toEqual([settleBuilding({ ...input(), startMs: undefined })]);
    expect(buildings[0]?.evaluation).toBe('EVENT');
    expect(buildings[0]?.periods).toEqual([
      {
        startMs: null,
        intervals: 4,
        declaredKw: 100,
        deliveredKw: 85,
        ratio: 0.85,
        paidKw: 85,
        penaltyKw: 5,
        paymentYuan: 255,
        penaltyYuan: 16.5,
      },
    ]);
  });

  it('reads an hourly settlement back unchanged', async () => {
    // Prepare: 13:30–14:00 delivers 85 kW (paid, and penalized below 90); 14:00–14:30 delivers
    // (95 + 75) / 2 = 85 kW likewise
    const hourly = settleBuilding(input('HOUR'));
    stored(storedItem(JSON.parse(JSON.stringify(hourly))));

    // Act
    const { buildings } = await new DynamoSettlementRepository(doc, 't').ofEvent('ev');

    // Assess: two half-hour periods, each 3 × 85 × 0.5 = 127.5 ¥ paid and 5 × 1.1 × 3 × 0.5 = 8.25 ¥
    // charged
    expect(buildings).toEqual([hourly]);
    expect(buildings[0]?.periods.map((p) => [p.intervals, p.paymentYuan, p.penaltyYuan])).toEqual([
      [2, 127.5, 8.25],
      [2, 127.5, 8.25],
    ]);
  });
});
