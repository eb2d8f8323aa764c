/**
 * The console's view of the FlexDR API: the session (a development token in sessionStorage), one
 * fetch helper that adds it and turns `{ message }` answers into errors, and the shapes of the
 * answers. Types come from the server's own modules (type-only imports, erased by the bundler), so
 * a change there breaks this build rather than the page.
 */

import type { CalendarView } from '../../../../lib/app/calendar.ts';
import type { DeliveryView, MeasuredDelivery } from '../../../../lib/domain/delivery.ts';
import type { FlexibilityView } from '../../../../lib/domain/flexibility.ts';
import type { AwaitingData, SettledWithoutData } from '../../../../lib/domain/lifecycle.ts';
import type { Building, Park } from '../../../../lib/domain/model/building.ts';
import type { CalendarYear } from '../../../../lib/domain/model/calendar.ts';
import type { Direction } from '../../../../lib/domain/model/common.ts';
import type { GridEventInput } from '../../../../lib/domain/model/grid-event.ts';
import type { BuildingState } from '../../../../lib/domain/model/telemetry.ts';
import type { BuildingSettlement, ParkSettlement } from '../../../../lib/domain/settlement.ts';
import type { EventImpact } from '../../../../lib/domain/tariff.ts';
import type { CommandCounts, CommandRecord, EventStatus, Page, PlanSummary } from '../../../../lib/ports.ts';
import { ApiError } from '../../api-error.ts';
import type { ClockChange, ClockView, Identity, TokenRequest, TokenResponse } from '../../local-api.ts';

export type {
  AwaitingData,
  Building,
  BuildingSettlement,
  BuildingState,
  CalendarView,
  CalendarYear,
  ClockView,
  CommandRecord,
  DeliveryView,
  Direction,
  EventImpact,
  EventStatus,
  FlexibilityView,
  GridEventInput,
  Identity,
  Page,
  Park,
  ParkSettlement,
  SettledWithoutData,
};

/** `PUT /calendars/{year}`. */
export interface CalendarYearSaved {
  calendar: CalendarYear;
  /** Events that were awaiting this year and are being evaluated again. */
  reevaluating: string[];
}

/**
 * A park's settlement as served, with what evaluation stores on it when the program has tariffs
 * (energy cost, valley energy, CO₂); absent on settlements without them.
 */
export type ParkSettlementView = ParkSettlement & { impact?: EventImpact | undefined };

export type PlanView = PlanSummary;

/** `GET /events/{eventId}`. */
export interface EventStatusView {
  event: GridEventInput & { intervalMinutes: number };
  revision: number;
  status: EventStatus;
  failure?: string;
  /** Operators only. */
  plan?: PlanSummary;
  commands: CommandCounts;
  updatedAt: string;
  /** After the window: the latest settlement revision and what it still waits for. */
  settlement?: {
    revision?: number;
    awaitingCount: number;
    awaitingData: AwaitingData[];
    dataDeadline?: string;
  };
}

/** One row of `GET /events`. */
export interface EventListItem {
  event: EventStatusView['event'];
  revision: number;
  status: EventStatus;
  updatedAt: string;
}

/** `GET /events/{eventId}/performance`. */
export interface PerformanceView {
  status: EventStatus;
  /** Delivery per interval over the buildings settled, by the same definition as `/delivery`. */
  delivery: MeasuredDelivery;
  buildings: BuildingSettlement[];
  parks: ParkSettlementView[];
  unsettled: { buildingId: string; reason: string }[];
  /** The settlement revision shown, and the latest one. */
  revision?: number;
  latestRevision?: number;
  awaitingData: AwaitingData[];
  settledWithoutData: SettledWithoutData[];
  dataDeadline?: string;
}

/** `GET /buildings/{buildingId}`. */
export type BuildingView = Building & { state: BuildingState | null };

/** What the console keeps in sessionStorage after a login. */
export interface Session {
  token: string;
  expiresAt: string;
  label: string;
  request: TokenRequest;
}

const SESSION_KEY = 'flexdr.console.session';

export function loadSession(): Session | null {
  const raw = sessionStorage.getItem(SESSION_KEY);
  if (!raw) return null;
  try {
    const session = JSON.parse(raw) as Session;
    return Date.parse(session.expiresAt) > Date.now() ? session : null;
  } catch {
    return null;
  }
}

export function saveSession(session: Session | null): void {
  if (session) sessionStorage.setItem(SESSION_KEY, JSON.stringify(session));
  else sessionStorage.removeItem(SESSION_KEY);
}

/** An API answer that was not a success, with the server's message (shared with the BMS simulator). */
export { ApiError };

/** Called when the API refuses the token (401), so the app can return to the login page. */
let onUnauthorized: () => void = () => {};
export function setUnauthorizedHandler(handler: () => void): void {
  onUnauthorized = handler;
}

/** Calls the API with the session's token; answers the parsed JSON body (undefined for 204). */
export async function api<T>(path: string, init: { method?: string; body?: unknown } = {}): Promise<T> {
  const headers: Record<string, string> = {};
  const token = loadSession()?.token;
  if (token) headers.authorization = `Bearer ${token}`;
  if (init.body !== undefined) headers['content-type'] = 'application/json';
  const response = await fetch(path, {
    method: init.method ?? 'GET',
    headers,
    body: init.body === undefined ? null : JSON.stringify(init.body),
  });
  const text = await response.text();
  const body: unknown = text ? JSON.parse(text) : undefined;
  if (!response.ok) {
    if (response.status === 401) onUnauthorized();
    const message =
      typeof body === 'object' && body !== null && 'message' in body
        ? String(body.message)
        : `${response.status} ${response.statusText}`;
    throw new ApiError(response.status, message);
  }
  return body as T;
}

/** Every item of a paged list (its items under `key`: `items`, or `commands` for a plan), following cursors. */
export async function all<T>(path: string, limit = 500, key = 'items'): Promise<T[]> {
  const items: T[] = [];
  let cursor: string | undefined;
  do {
    const query = new URLSearchParams({ limit: String(limit) });
    if (cursor) query.set('cursor', cursor);
    const page = await api<Record<string, unknown> & { cursor?: string }>(`${path}?${query}`);
    items.push(...((page[key] as T[] | undefined) ?? []));
    cursor = page.cursor;
  } while (cursor);
  return items;
}

export const local = {
  identities: () => api<Identity[]>('/local/identities'),
  token: (request: TokenRequest) => api<TokenResponse>('/local/tokens', { method: 'POST', body: request }),
  clock: () => api<ClockView>('/local/clock'),
  changeClock: (change: ClockChange) => api<ClockView>('/local/clock', { method: 'POST', body: change }),
};

/** Statuses after which an event no longer changes. */
export const SETTLED: readonly EventStatus[] = ['settled', 'cancelled', 'failed'];
