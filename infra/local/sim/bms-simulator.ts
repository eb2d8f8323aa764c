/**
 * A simulated BMS integration talking to the FlexDR API over HTTP, as a real one would: it receives
 * signed webhook deliveries of commands (or pulls them), deduplicates them by id, answers each
 * DISPATCH on `POST /commands/{id}/ack`, executes what it accepted in its building simulators, and
 * reports state and 15-minute meter readings on `POST /buildings/{id}/telemetry`.
 */

import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import * as z from 'zod';
import {
  DELIVERY_HEADER,
  DeliveryIds,
  SIGNATURE_HEADER,
  TIMESTAMP_HEADER,
  verify,
} from '../../../lib/adapters/webhook/signature.ts';
import { errorMessage } from '../../../lib/caught-errors.ts';
import { eachLimited } from '../../../lib/concurrency.ts';
import type { Building } from '../../../lib/domain/model/building.ts';
import { Command } from '../../../lib/domain/model/command.ts';
import type { BuildingState, MeterReading } from '../../../lib/domain/model/telemetry.ts';
import { CHINA_OFFSET_MS, MINUTE_MS, toMs } from '../../../lib/domain/time.ts';
import { ApiError } from '../api-error.ts';
import { type Answer, answer, BuildingSimulator, history } from './building-sim.ts';
import type { LoadKind } from './loads.ts';

/** The API takes at most this many readings in one telemetry call. */
const MAX_READINGS_PER_POST = 2_000;
const CONCURRENCY = 8;
/** Seeding: buildings at once and readings per post (four days of quarter hours). */
const SEED_CONCURRENCY = 2;
export const SEED_READINGS_PER_POST = 384;
const MAX_BODY_BYTES = 1_000_000;
const QUARTER_MS = 15 * MINUTE_MS;

export interface BmsSimulatorOptions {
  /** Base URL of the FlexDR API, without a trailing slash. */
  apiUrl: string;
  /** A `bms` token bound to the buildings. */
  token: string;
  buildings: Building[];
  kinds: Record<string, LoadKind>;
  /** The integration's webhook HMAC secret. */
  secret: string;
  seed?: number;
  /** Share of DISPATCH commands declined (default 0). */
  declineProbability?: number;
  /** Port of the webhook server (0 or absent: any free port). */
  port?: number;
  log?: (line: string) => void;
  /** Simulation start, epoch ms. */
  startMs: number;
}

/** One EventBridge event as the webhook receives it; only what the simulator needs is checked strictly. */
const Delivery = z.object({
  'detail-type': z.enum(['DispatchCommand', 'CommandCancelled']),
  detail: z.object({ command: Command }),
});

const CommandPage = z.object({
  items: z.array(z.object({ command: Command, status: z.string() })),
});

/** The BMS side of the demo: webhook server, building simulators, telemetry. */
export class BmsSimulator {
  readonly webhookUrl: string;
  private readonly sims = new Map<string, BuildingSimulator>();
  private readonly seen = new Set<string>();
  /** Building and event pairs whose command was accepted: later revisions of that event are accepted too. */
  private readonly takingPart = new Set<string>();
  /** Deliveries taken, so that a replayed or re-sent copy is not acted on twice. */
  private readonly deliveries = new DeliveryIds();
  private readonly lastPostMs = new Map<string, number>();
  private readonly seed: number;
  private readonly declineProbability: number;
  private readonly log: (line: string) => void;

  private constructor(
    private readonly options: BmsSimulatorOptions,
    private readonly server: Server,
  ) {
    this.seed = options.seed ?? 1;
    this.declineProbability = options.declineProbability ?? 0;
    this.log = options.log ?? (() => {});
    for (const b of options.buildings) {
      const kind = options.kinds[b.buildingId];
      if (!kind) throw new Error(`no load kind for building ${b.buildingId}`);
      this.sims.set(
        b.buildingId,
        new BuildingSimulator(b, kind, { seed: this.seed, startMs: options.startMs }),
      );
    }
    const { port } = server.address() as AddressInfo;
    this.webhookUrl = `http://127.0.0.1:${port}/commands`;
  }

  /** Starts the webhook server on 127.0.0.1 and the building simulators at `startMs`. */
  static async start(options: BmsSimulatorOptions): Promise<BmsSimulator> {
    let self: BmsSimulator | undefined;
    const server = createServer((req, res) => {
      if (!self) {
        res.writeHead(503).end();
        return;
      }
      self.onRequest(req, res).catch((e: unknown) => {
        if (!res.headersSent) reply(res, 500, { message: errorMessage(e) });
      });
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(options.port ?? 0, '127.0.0.1', () => resolve());
    });
    try {
      self = new BmsSimulator(options, server);
    } catch (e) {
      await new Promise<void>((resolve) => server.close(() => resolve()));
      throw e;
    }
    return self;
  }

  /** The simulator of one building, to read its state or physics directly. */
  simulator(buildingId: string): BuildingSimulator | undefined {
    return this.sims.get(buildingId);
  }

  /**
   * Steps every building to `ms` and reports its state with the readings completed, one POST per
   * building, when there are new readings or 15 simulated minutes have passed since its last report.
   */
  async stepTo(ms: number): Promise<void> {
    await eachLimited([...this.sims.values()], CONCURRENCY, async (sim) => {
      const id = sim.building.buildingId;
      const readings = sim.stepTo(ms);
      const last = this.lastPostMs.get(id);
      if (readings.length === 0 && last !== undefined && sim.now - last < QUARTER_MS) return;
      await this.postTelemetry(id, sim.state(), readings);
      this.lastPostMs.set(id, sim.now);
    });
  }

  /**
   * Reports readings over `[fromMs, endMs)` without commands for every building (baselines), those
   * whose interval start `keep` accepts (all when absent), then its state. Posts stay small and few
   * run at once: a disk-backed DynamoDB Local writes a few hundred items a second, and every request
   * must finish well inside API Gateway's 29 seconds. `onProgress` hears after each post how many
   * readings are stored, of how many.
   */
  async seedHistory(
    fromMs: number,
    endMs: number,
    options: {
      keep?: (intervalStartMs: number) => boolean;
      onProgress?: (stored: number, total: number) => void;
    } = {},
  ): Promise<void> {
    const { keep, onProgress } = options;
    // The physics runs through every minute (a tank or battery carries its state over the days left
    // out); only the readings kept are posted.
    const plan = [...this.sims.values()].map((sim) => ({
      sim,
      readings: history(sim.building, sim.kind, fromMs, endMs, this.seed).filter(
        (r) => !keep || keep(toMs(r.intervalStart)),
      ),
    }));
    const total = plan.reduce((n, p) => n + p.readings.length, 0);
    let stored = 0;
    await eachLimited(plan, SEED_CONCURRENCY, async ({ sim, readings }) => {
      const id = sim.building.buildingId;
      await this.postTelemetry(id, sim.state(), readings, SEED_READINGS_PER_POST, (n) => {
        stored += n;
        onProgress?.(stored, total);
      });
      this.lastPostMs.set(id, sim.now);
    });
  }

  /**
   * Pull mode, for an integration without a webhook: reads each building's latest commands and
   * handles the unseen ones like deliveries (oldest first). Returns how many were new.
   */
  async poll(): Promise<number> {
    let handled = 0;
    await eachLimited([...this.sims.keys()], CONCURRENCY, async (id) => {
      const page = CommandPage.parse(
        await this.api('GET', `/buildings/${encodeURIComponent(id)}/commands?limit=20`),
      );
      for (const { command, status } of [...page.items].reverse()) {
        if (this.seen.has(command.commandId)) continue;
        if (status === 'SUPERSEDED' || status === 'FAILED') {
          this.seen.add(command.commandId);
          continue;
        }
        if (command.kind === 'DISPATCH' && (status === 'ACKNOWLEDGED' || status === 'DECLINED')) {
          // answered before (by an earlier run of this BMS): act on that answer, do not answer again
          this.seen.add(command.commandId);
          if (status === 'ACKNOWLEDGED') this.sims.get(id)?.receive(command);
          continue;
        }
        await this.deliver(command);
        handled += 1;
      }
    });
    return handled;
  }

  /** Closes the webhook server. */
  async stop(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve, reject) => this.server.close((e) => (e ? reject(e) : resolve())));
  }

  private async onRequest(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = new URL(req.url ?? '/', 'http://localhost').pathname;
    if (req.method !== 'POST' || path !== '/commands') return reply(res, 404, { message: 'not found' });
    const raw = await readBody(req);
    if (raw === undefined) return reply(res, 413, { message: 'body too large' });
    const nowSeconds = Math.floor(Date.now() / 1000);
    const deliveryId = header(req, DELIVERY_HEADER);
    const signed = verify(
      this.options.secret,
      { signature: header(req, SIGNATURE_HEADER), timestamp: header(req, TIMESTAMP_HEADER), deliveryId },
      raw,
      nowSeconds,
    );
    if (!signed || !deliveryId) {
      this.log('webhook ✗ bad or stale signature, refused');
      return reply(res, 401, { message: 'bad signature' });
    }
    if (this.deliveries.has(deliveryId, nowSeconds))
      return reply(res, 200, { deliveryId, outcome: 'duplicate delivery' });
    let delivery: z.infer<typeof Delivery>;
    try {
      delivery = Delivery.parse(JSON.parse(raw));
    } catch (e) {
      return reply(res, 400, {
        message: `not a command event: ${errorMessage(e)}`,
      });
    }
    const { command } = delivery.detail;
    if (!this.sims.has(command.buildingId))
      return reply(res, 404, { message: `building ${command.buildingId} is not simulated here` });
    try {
      const outcome = await this.deliver(command);
      this.deliveries.add(deliveryId, nowSeconds);
      reply(res, 200, { commandId: command.commandId, outcome });
    } catch (e) {
      // the sender retries; the command was forgotten so that the retry is handled again
      reply(res, 502, { message: errorMessage(e) });
    }
  }

  /**
   * Handles one command once: a CANCEL stops the event's command; a DISPATCH is answered
   * (acknowledged on the API before this returns) and executed if accepted.
   */
  private async deliver(command: Command): Promise<'duplicate' | 'cancelled' | Answer['status']> {
    const sim = this.sims.get(command.buildingId);
    if (!sim) throw new Error(`building ${command.buildingId} is not simulated here`);
    if (this.seen.has(command.commandId)) return 'duplicate';
    this.seen.add(command.commandId);
    const head = `${command.buildingId} ← ${command.kind} ${command.eventId} r${command.revision}`;
    if (command.kind === 'CANCEL') {
      sim.receive(command);
      this.log(`${head}: cancelled`);
      return 'cancelled';
    }
    // A facility that took part in an event takes its revisions: it answers once per event.
    const joined = `${command.buildingId}\u0000${command.eventId}`;
    const decision: Answer = this.takingPart.has(joined)
      ? { status: 'ACCEPTED' }
      : answer(command.commandId, this.seed, this.declineProbability);
    if (decision.status === 'ACCEPTED') this.takingPart.add(joined);
    if (decision.status === 'ACCEPTED') sim.receive(command);
    else sim.drop(command.eventId, command.revision);
    try {
      await this.api('POST', `/commands/${encodeURIComponent(command.commandId)}/ack`, decision);
    } catch (e) {
      if (e instanceof ApiError && e.status === 409) {
        // superseded or cancelled meanwhile: nothing left to answer
        this.log(`${head}: ${describe(command)} ${decision.status} (not recorded: ${e.message})`);
        return decision.status;
      }
      this.seen.delete(command.commandId);
      throw e;
    }
    const why = decision.status === 'DECLINED' ? ` (${decision.reason})` : '';
    this.log(`${head}: ${describe(command)} ${decision.status}${why}`);
    return decision.status;
  }

  private async postTelemetry(
    id: string,
    state: BuildingState,
    readings: MeterReading[],
    perPost = MAX_READINGS_PER_POST,
    onPosted?: (readings: number) => void,
  ): Promise<void> {
    const path = `/buildings/${encodeURIComponent(id)}/telemetry`;
    if (readings.length === 0) {
      await this.api('POST', path, { state, readings: [] });
      return;
    }
    for (let i = 0; i < readings.length; i += perPost) {
      const chunk = readings.slice(i, i + perPost);
      const last = i + perPost >= readings.length;
      await this.api('POST', path, last ? { state, readings: chunk } : { readings: chunk });
      onPosted?.(chunk.length);
    }
  }

  private async api(method: 'GET' | 'POST', path: string, body?: unknown): Promise<unknown> {
    const send = () =>
      fetch(`${this.options.apiUrl}${path}`, {
        method,
        headers: {
          authorization: `Bearer ${this.options.token}`,
          ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
    let res: Response;
    try {
      res = await send();
    } catch (e) {
      // A kept-alive connection the gateway closed as it was reused (a busy machine widens that
      // race): sent again once, as a BMS would. Every call here is safe to repeat (answers and
      // readings change nothing the second time).
      const code = (e as { cause?: { code?: string } }).cause?.code;
      if (code !== 'ECONNRESET' && code !== 'EPIPE') throw e;
      res = await send();
    }
    const text = await res.text();
    if (!res.ok) {
      let message = text;
      try {
        const parsed = JSON.parse(text) as { message?: unknown };
        if (typeof parsed.message === 'string') message = parsed.message;
      } catch {
        // not JSON: keep the text
      }
      throw new ApiError(
        res.status,
        `${method} ${path} answered ${res.status}: ${message || res.statusText}`,
      );
    }
    return text ? JSON.parse(text) : undefined;
  }
}

/** `discharge 40 kW, curtail 12 kW 17:00–19:00` (largest kW per asset, local window). */
function describe(c: Command): string {
  const actions = c.assets
    .map((a) => `${a.action} ${Math.round(Math.max(0, ...a.kw) * 10) / 10} kW`)
    .join(', ');
  const intervals = Math.max(0, ...c.assets.map((a) => a.kw.length));
  const start = toMs(c.start);
  const end = start + intervals * c.intervalMinutes * MINUTE_MS;
  return `${actions || 'no asset actions'} ${localTime(start)}–${localTime(end)}`;
}

function localTime(ms: number): string {
  return new Date(ms + CHINA_OFFSET_MS).toISOString().slice(11, 16);
}

function header(req: IncomingMessage, name: string): string | undefined {
  const v = req.headers[name];
  return Array.isArray(v) ? v[0] : v;
}

function reply(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
}

/** The raw body as text, or undefined when it is larger than {@link MAX_BODY_BYTES}. */
async function readBody(req: IncomingMessage): Promise<string | undefined> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY_BYTES) return undefined;
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}
