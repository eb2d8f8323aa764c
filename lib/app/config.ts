import type { Ports } from '../ports.ts';

/** Settings of the coordinator's behaviour; all of them configuration, none of them code. */
export interface AppConfig {
  /** How long a BMS has to answer a command before it counts as declined. */
  ackTimeoutMinutes: number;
  /** Wait after an event's end before evaluating it, so late readings arrive. */
  settleDelayMinutes: number;
  /** Re-plans tried when another event's plan commits on the same buildings at the same time. */
  maxPlanAttempts: number;
  /** Buildings read per page when walking a scope. */
  scopePageSize: number;
  /** Readings are kept this many days (the baseline horizon), then expire. */
  readingRetentionDays: number;
  /** Lifetime of an OpenADR access token. */
  openadrTokenTtlSeconds: number;
  /**
   * Failed token requests (unknown client or wrong secret) allowed per client id, and per source
   * address, in one fixed window of `openadrTokenThrottleWindowSeconds`; beyond them the token
   * endpoint answers 429 with Retry-After until the window ends.
   */
  openadrTokenFailuresPerClient: number;
  openadrTokenFailuresPerAddress: number;
  openadrTokenThrottleWindowSeconds: number;
  /**
   * How far ahead of the coordinator's clock a reported state, or the end of a reported reading's
   * interval, may lie (a BMS clock running a little fast); anything later is refused.
   */
  telemetryFutureToleranceMinutes: number;
  /**
   * Declines and acknowledgement deadlines ask for a re-plan; the requests of one event within this
   * many seconds are answered by one re-plan at the end of the period (0: a re-plan at once for each).
   * A minute by default: EventBridge Scheduler fires a one-time schedule a minute ahead at the soonest.
   */
  replanDebounceSeconds: number;
  /**
   * The closed loop (`lib/app/tracking.ts`): once per interval of a dispatched event, `trackingGraceMinutes`
   * after the interval before it ended (so its readings are in), metered response is compared with
   * plan and the rest of the window is re-allocated where the expected delivery misses the target by
   * more than `trackingHysteresisPct` of it. `closedLoop: false` dispatches open loop.
   */
  closedLoop: boolean;
  trackingGraceMinutes: number;
  /**
   * The loop's turn before the start (`refreshBeforeStart`), this many minutes ahead of it: asks made
   * on states reported hours earlier are checked against the latest ones (0: no such turn).
   */
  preStartRefreshMinutes: number;
  trackingHysteresisPct: number;
  /**
   * Planning stands on each building's contractual baseline (the program's method over its readings
   * so far) in a scope of at most this many buildings; a larger scope plans on the profile forecast
   * and reads the contractual baseline only for the buildings it commands (reading every building's
   * 30–60 days of history would cost more than the plan).
   */
  contractualPlanningMaxBuildings: number;
  /** While an event awaits readings, its evaluation runs again this often (until the program's deadline). */
  awaitingRetryMinutes: number;
  /**
   * tCO₂ emitted per MWh of grid electricity, for the CO₂ an event avoided (`eventImpact` in
   * `lib/domain/tariff.ts`). Default 0.5703: the national grid average emission factor
   * (全国电网平均排放因子) for 2022 published by the Ministry of Ecology and Environment (生态环境部,
   * 环办气候函〔2023〕43号). A provincial or later factor published by 生态环境部 and 国家统计局 can be
   * configured instead.
   */
  emissionFactorTco2PerMwh: number;
}

export const DEFAULT_CONFIG: AppConfig = {
  ackTimeoutMinutes: 10,
  settleDelayMinutes: 30,
  maxPlanAttempts: 5,
  scopePageSize: 500,
  readingRetentionDays: 120,
  openadrTokenTtlSeconds: 3600,
  openadrTokenFailuresPerClient: 10,
  openadrTokenFailuresPerAddress: 100,
  openadrTokenThrottleWindowSeconds: 300,
  telemetryFutureToleranceMinutes: 5,
  awaitingRetryMinutes: 60,
  replanDebounceSeconds: 60,
  closedLoop: true,
  trackingGraceMinutes: 2,
  preStartRefreshMinutes: 30,
  trackingHysteresisPct: 3,
  contractualPlanningMaxBuildings: 2000,
  emissionFactorTco2PerMwh: 0.5703,
};

/** What every use-case receives: the ports and the configuration. */
export type Deps = Ports & { config: AppConfig };
