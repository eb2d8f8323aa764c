/** Plumbing of the OpenADR tests on the local runtime: JSON calls, client tokens, a battery building. */
import { type LocalOptions, type LocalRuntime, startLocal } from '../../infra/local/runtime.ts';
import type { BuildingInput } from '../../lib/domain/model/building.ts';
import { batteryInput, buildingInput } from './fixtures.ts';

/** A JSON body; each test asserts (or validates) what it reads of it. */
// biome-ignore lint/suspicious/noExplicitAny: answers of many operations; each test asserts what it reads.
export type Json = any;

export interface JsonReply {
  status: number;
  body: Json;
  text: string;
  contentType: string | undefined;
}

export interface CallOptions {
  /** Sent as `authorization: Bearer …` when given. */
  token?: string | undefined;
  /** Sent as JSON when not undefined. */
  body?: unknown;
  /** Sent form-encoded instead of `body` (the token endpoint). */
  form?: Record<string, string>;
  /** An answer that is not JSON becomes its text, where it would otherwise throw. */
  lenient?: boolean;
}

/** One HTTP call to the runtime at `baseUrl`, its answer parsed as JSON (none for an empty one). */
export async function jsonCall(
  baseUrl: string,
  method: string,
  path: string,
  options: CallOptions = {},
): Promise<JsonReply> {
  const { token, body, form } = options;
  const res = await fetch(`${baseUrl}${path}`, {
    method,
    headers: {
      ...(token ? { authorization: `Bearer ${token}` } : {}),
      ...(form
        ? { 'content-type': 'application/x-www-form-urlencoded' }
        : body !== undefined
          ? { 'content-type': 'application/json' }
          : {}),
    },
    ...(form
      ? { body: new URLSearchParams(form).toString() }
      : body !== undefined
        ? { body: JSON.stringify(body) }
        : {}),
  });
  const text = await res.text();
  let parsed: Json;
  try {
    parsed = text ? JSON.parse(text) : undefined;
  } catch (e) {
    if (!options.lenient) throw e;
    parsed = text;
  }
  return {
    status: res.status,
    body: parsed,
    text,
    contentType: res.headers.get('content-type') ?? undefined,
  };
}

/** A call that must answer `status`; throws with the status and the answer's text otherwise. */
export async function mustCall(
  baseUrl: string,
  method: string,
  path: string,
  status: number,
  options: CallOptions = {},
): Promise<Json> {
  const res = await jsonCall(baseUrl, method, path, options);
  if (res.status !== status) throw new Error(`${method} ${path}: ${res.status} ${res.text.slice(0, 300)}`);
  return res.body;
}

/** An access token of the client by client credentials, optionally narrowed to `scope`. */
export async function clientToken(
  baseUrl: string,
  clientId: string,
  clientSecret: string,
  scope?: string,
): Promise<string> {
  const form: Record<string, string> = {
    grant_type: 'client_credentials',
    client_id: clientId,
    client_secret: clientSecret,
    ...(scope ? { scope } : {}),
  };
  return (await mustCall(baseUrl, 'POST', '/openadr3/auth/token', 200, { form })).access_token;
}

/** Creates the OpenADR client (`PUT /openadr-clients/{id}`, 201) and fetches a token of it. */
export async function openadrClient(
  baseUrl: string,
  operatorToken: string,
  clientId: string,
  spec: Record<string, unknown>,
): Promise<{ clientSecret: string; accessToken: string }> {
  const { clientSecret } = await mustCall(baseUrl, 'PUT', `/openadr-clients/${clientId}`, 201, {
    token: operatorToken,
    body: spec,
  });
  return { clientSecret, accessToken: await clientToken(baseUrl, clientId, clientSecret) };
}

/** The runtime as the OpenADR tests run it: in memory, any port, no simulator, no seed, clock stopped at `startAt`. */
export function startOpenadrLocal(startAt: number, extra: LocalOptions = {}): Promise<LocalRuntime> {
  return startLocal({
    inMemory: true,
    port: 0,
    simulator: false,
    seed: false,
    speed: 0,
    startAt,
    quiet: true,
    ...extra,
  });
}

/**
 * A building with one battery: 600 kW import, no export; 400 kWh, 150 kW either way, SoC 0.1–0.9.
 * `tag` names its feeder (`f-tag`) and BMS integration (`tag-bms`).
 */
export function batteryBuilding(
  buildingId: string,
  parkId: string,
  tag: string,
  battery: Partial<typeof batteryInput> & { cycleCostYuanPerKwh?: number | undefined } = {},
): BuildingInput {
  return buildingInput({
    buildingId,
    parkId,
    name: buildingId,
    feederId: `f-${tag}`,
    bmsIntegrationId: `${tag}-bms`,
    gridLimits: { importKw: 600, exportKw: 0 },
    assets: [{ ...batteryInput, capacityKwh: 400, maxChargeKw: 150, maxDischargeKw: 150, ...battery }],
  });
}

/** Telemetry of a `batteryBuilding` at `at`: net load `kw`, the battery at rest at SoC 0.8, one reading of `kw` from `intervalStart`. */
export const batteryTelemetry = (buildingId: string, at: number, intervalStart: string, kw = 300) => ({
  state: {
    buildingId,
    at: new Date(at).toISOString(),
    netLoadKw: kw,
    assets: [{ kind: 'battery', assetId: 'bat', soc: 0.8, powerKw: 0 }],
  },
  readings: [{ buildingId, intervalStart, kw }],
});
