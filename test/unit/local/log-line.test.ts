import { describe, expect, it } from 'vitest';
import { logLine } from '../../../infra/local/log-line.ts';

describe('logLine', () => {
  it('stamps the real time in UTC and the simulated time in Beijing time', () => {
    const real = Date.parse('2026-12-05T07:13:20Z');
    const simulated = Date.parse('2026-12-06T23:45:00+08:00');
    expect(logLine('bus GridEventAccepted e1 r1 → plan-event', simulated, real)).toBe(
      '07:13:20Z  sim 12-06 23:45:00  bus GridEventAccepted e1 r1 → plan-event',
    );
  });

  it('keeps the column where the simulated time is not known yet', () => {
    const real = Date.parse('2026-12-05T07:13:20Z');
    const before = logLine('starting DynamoDB Local', undefined, real);
    const after = logLine('HTTP API on …', Date.parse('2026-12-05T15:13:20+08:00'), real);
    expect(before.indexOf('starting')).toBe(after.indexOf('HTTP'));
  });
});
