/**
 * Subscriptions and webhook notifications against fakes: which subscriptions hear of what
 * (objects, operations, programID, targets, privacy), a VEN's commands as its events and their
 * acknowledgement on receipt, the delivery books (broken after 5 failures, reset on success), and
 * the callback checks of create and update.
 */
import { beforeEach, describe, expect, it } from 'vitest';
import type { Deps } from '../../../lib/app/config.ts';
import { onCommand, onCommandCancelled, onObjectChanged } from '../../../lib/app/openadr/notify.ts';
import { venEventId } from '../../../lib/app/openadr/objects.ts';
import {
  BROKEN_AFTER,
  createSubscription,
  deleteSubscription,
  getSubscription,
  searchSubscriptions,
  stateOf,
  updateSubscription,
} from '../../../lib/app/openadr/subscriptions.ts';
import { ConflictError, NotFoundError } from '../../../lib/domain/errors.ts';
import type { Command } from '../../../lib/domain/model/command.ts';
import { type OpenadrCaller, ROLE_SCOPES } from '../../../lib/openadr/access.ts';
import type { SubscriptionRequest } from '../../../lib/openadr/schemas.ts';
import type {
  BusMessage,
  CommandRecord,
  DeliveryResult,
  OpenadrClient,
  OpenadrObject,
  OpenadrObjectType,
  WebhookTarget,
} from '../../../lib/ports.ts';
import { peakCommand } from './support.ts';

const NOW = Date.parse('2026-01-15T01:00:00Z');

interface Sent {
  target: WebhookTarget;
  body: Record<string, unknown>;
}

/** The ports notifications touch, in memory; everything else is absent. */
function fakeDeps() {
  const objects = new Map<string, OpenadrObject>();
  const clients = new Map<string, OpenadrClient>();
  const commands = new Map<string, CommandRecord>();
  const sent: Sent[] = [];
  const verified: WebhookTarget[] = [];
  const published: BusMessage[] = [];
  const key = (t: OpenadrObjectType, id: string) => `${t}#${id}`;
  const copy = (o: OpenadrObject): OpenadrObject => structuredClone(o);
  let answer: (t: WebhookTarget) => DeliveryResult = () => ({ ok: true, attempts: 1, status: 200 });
  let verifyAnswer: (t: WebhookTarget) => DeliveryResult = () => ({ ok: true, attempts: 1, status: 200 });
  let storeDown = false;
  const store = () => {
    if (storeDown) throw new Error('store unavailable');
  };
  const deps = {
    clock: { now: () => NOW },
    config: {},
    openadr: {
      getClient: async (id: string) => clients.get(id),
      create: async (o: OpenadrObject) => {
        if (objects.has(key(o.objectType, o.id))) throw new ConflictError('taken');
        objects.set(key(o.objectType, o.id), copy(o));
      },
      replace: async (o: OpenadrObject, previous: OpenadrObject) => {
        store();
        const current = objects.get(key(o.objectType, o.id));
        if (current?.body.modificationDateTime !== previous.body.modificationDateTime)
          throw new ConflictError('changed meanwhile');
        objects.set(key(o.objectType, o.id), copy(o));
      },
      setInternal: async (o: OpenadrObject, internal: Record<string, unknown>) => {
        store();
        const current = objects.get(key(o.objectType, o.id));
        if (
          !current ||
          current.body.modificationDateTime !== o.body.modificationDateTime ||
          JSON.stringify(current.internal) !== JSON.stringify(o.internal)
        )
          return false;
        objects.set(key(o.objectType, o.id), copy({ ...current, internal }));
        return true;
      },
      get: async (t: OpenadrObjectType, id: string) => {
        store();
        const o = objects.get(key(t, id));
        return o && copy(o);
      },
      delete: async (o: OpenadrObject) => void objects.delete(key(o.objectType, o.id)),
      list: async (t: OpenadrObjectType) => {
        store();
        return [...objects.values()].filter((o) => o.objectType === t).map(copy);
      },
    },
    webhooks: {
      verify: async (t: WebhookTarget) => {
        verified.push(t);
        return verifyAnswer(t);
      },
      deliver: async (target: WebhookTarget, body: string) => {
        sent.push({ target, body: JSON.parse(body) as Record<string, unknown> });
        return answer(target);
      },
    },
    events: {
      get: async (eventId: string) => ({ event: { eventId, programId: 'mengxi-peak' } }),
    },
    commands: {
      get: async (id: string) => commands.get(id),
      // As the store does: the answer and its announcement (the outbox, relayed) together.
      transition: async (
        id: string,
        from: readonly string[],
        to: CommandRecord['status'],
        at: string,
        _reason?: string,
        announce: readonly BusMessage[] = [],
      ) => {
        const r = commands.get(id);
        if (!r || !from.includes(r.status)) return false;
        commands.set(id, { ...r, status: to, updatedAt: at });
        published.push(...announce);
        return true;
      },
    },
    eventPublisher: { publish: async (m: readonly BusMessage[]) => void published.push(...m) },
    // What the use-cases announce goes to the outbox, relayed to the bus as written.
    outbox: { put: async (m: readonly BusMessage[]) => void published.push(...m) },
  } as unknown as Deps;
  return {
    deps,
    objects,
    clients,
    commands,
    sent,
    verified,
    published,
    answer: (fn: typeof answer) => {
      answer = fn;
    },
    verifyAnswer: (fn: typeof verifyAnswer) => {
      verifyAnswer = fn;
    },
    storeDown: (down: boolean) => {
      storeDown = down;
    },
  };
}

const caller = (clientId: string, role: 'BL' | 'VEN', buildingIds: string[] = [], parkIds: string[] = []) =>
  ({ clientId, role, scopes: ROLE_SCOPES[role], buildingIds, parkIds }) satisfies OpenadrCaller;
const BL = caller('grid-op', 'BL');
const VEN_B1 = caller('ven-b1', 'VEN', ['b1']);
const VEN_B2 = caller('ven-b2', 'VEN', ['b2']);
const VEN_PARK = caller('ven-p1', 'VEN', [], ['p1']);

function request(
  objects: SubscriptionRequest['objectOperations'][number]['objects'],
  operations: SubscriptionRequest['objectOperations'][number]['operations'],
  extra: Partial<SubscriptionRequest> = {},
  url = 'https://receiver.example/hook',
): SubscriptionRequest {
  return {
    clientName: 'test',
    objectOperations: [{ objects, operations, callbackUrl: url, bearerToken: 'secret-token' }],
    ...extra,
  };
}

const program = (extra: Record<string, unknown> = {}) => ({
  id: 'prog-1',
  objectType: 'PROGRAM',
  createdDateTime: '2026-01-15T01:00:00.000Z',
  modificationDateTime: '2026-01-15T01:00:00.000Z',
  programName: 'mengxi',
  ...extra,
});

/** Fake dependencies that know the four test clients (a BL, two building VENs, a park VEN). */
function fakeDepsWithClients() {
  const f = fakeDeps();
  for (const c of [BL, VEN_B1, VEN_B2, VEN_PARK])
    f.clients.set(c.clientId, {
      clientId: c.clientId,
      role: c.role,
      buildingIds: [...c.buildingIds],
      parkIds: [...c.parkIds],
      secretHash: '',
      createdAt: '',
      createdBy: '',
      generation: 'g1',
    });
  return f;
}

const recipients = (sent: Sent[]) => sent.map((s) => s.target.url).sort();

describe('notifications of object changes', () => {
  let f: ReturnType<typeof fakeDeps>;
  beforeEach(() => {
    f = fakeDepsWithClients();
  });
  const subscribe = (who: OpenadrCaller, req: SubscriptionRequest) => createSubscription(f.deps, who, req);

  it('sends the spec notification to subscriptions naming the object type and the operation', async () => {
    const { signingSecret } = await subscribe(BL, request(['PROGRAM'], ['CREATE'], {}, 'https://bl/create'));
    await subscribe(BL, request(['PROGRAM'], ['UPDATE'], {}, 'https://bl/update'));
    await subscribe(BL, request(['EVENT', 'REPORT'], ['CREATE'], {}, 'https://bl/other'));
    const outcome = await onObjectChanged(f.deps, {
      objectType: 'PROGRAM',
      operation: 'CREATE',
      object: program(),
    });
    expect(outcome).toMatchObject({ matched: 1, delivered: 1, failed: [], broken: [] });
    // Signed with the subscription's own secret, answered once at its creation, not the bearer token.
    expect(signingSecret).toMatch(/^[\w-]{43}$/);
    expect(f.sent).toEqual([
      {
        target: { url: 'https://bl/create', bearerToken: 'secret-token', signingSecret },
        body: { objectType: 'PROGRAM', operation: 'CREATE', object: program(), targets: null },
      },
    ]);
  });

  it('applies the subscription programID (a program is its own) and targets', async () => {
    await subscribe(BL, request(['PROGRAM'], ['CREATE'], { programID: 'prog-1' }, 'https://bl/prog-1'));
    await subscribe(BL, request(['PROGRAM'], ['CREATE'], { programID: 'prog-2' }, 'https://bl/prog-2'));
    await subscribe(BL, request(['PROGRAM'], ['CREATE'], { targets: ['zone:mengxi'] }, 'https://bl/zone'));
    await subscribe(BL, request(['PROGRAM'], ['CREATE'], { targets: ['zone:mengdong'] }, 'https://bl/east'));
    await onObjectChanged(f.deps, {
      objectType: 'PROGRAM',
      operation: 'CREATE',
      object: program({ targets: ['zone:mengxi', 'park:p1'] }),
    });
    expect(recipients(f.sent)).toEqual(['https://bl/prog-1', 'https://bl/zone']);
    expect(f.sent[0]?.body.targets).toEqual(['zone:mengxi', 'park:p1']);
  });

  it("takes a report's program from its event", async () => {
    f.objects.set('EVENT#ev-1', {
      objectType: 'EVENT',
      id: 'ev-1',
      clientId: 'grid-op',
      createdAt: '',
      body: {
        id: 'ev-1',
        programID: 'prog-1',
        objectType: 'EVENT',
        createdDateTime: '2026-01-15T00:00:00Z',
        modificationDateTime: '2026-01-15T00:00:00Z',
      },
    });
    await subscribe(BL, request(['REPORT'], ['CREATE'], { programID: 'prog-1' }, 'https://bl/prog-1'));
    await subscribe(BL, request(['REPORT'], ['CREATE'], { programID: 'prog-2' }, 'https://bl/prog-2'));
    const report = { id: 'r1', objectType: 'REPORT', eventID: 'ev-1', clientID: 'ven-b1', resources: [] };
    await onObjectChanged(f.deps, { objectType: 'REPORT', operation: 'CREATE', object: report });
    expect(recipients(f.sent)).toEqual(['https://bl/prog-1']);
  });

  it('shows a VEN programs without targets or with its own, never BL events, and only its own reports', async () => {
    await subscribe(VEN_B1, request(['PROGRAM', 'EVENT', 'REPORT'], ['CREATE'], {}, 'https://b1'));
    await subscribe(VEN_PARK, request(['PROGRAM', 'EVENT', 'REPORT'], ['CREATE'], {}, 'https://p1'));
    await subscribe(BL, request(['PROGRAM', 'EVENT', 'REPORT'], ['CREATE'], {}, 'https://bl'));
    const heard = async (objectType: OpenadrObjectType, object: Record<string, unknown>) => {
      f.sent.length = 0;
      await onObjectChanged(f.deps, { objectType, operation: 'CREATE', object });
      return recipients(f.sent);
    };
    expect(await heard('PROGRAM', program())).toEqual(['https://b1', 'https://bl', 'https://p1']);
    expect(await heard('PROGRAM', program({ targets: ['building:b1'] }))).toEqual([
      'https://b1',
      'https://bl',
    ]);
    expect(await heard('PROGRAM', program({ targets: ['park:p1'] }))).toEqual(['https://bl', 'https://p1']);
    expect(await heard('PROGRAM', program({ targets: ['ven-b1'] }))).toEqual(['https://b1', 'https://bl']);
    expect(await heard('PROGRAM', program({ targets: ['building:b9'] }))).toEqual(['https://bl']);
    expect(await heard('EVENT', { id: 'e', programID: 'prog-1', targets: ['building:b1'] })).toEqual([
      'https://bl',
    ]);
    expect(await heard('REPORT', { id: 'r', eventID: 'e', clientID: 'ven-b1' })).toEqual([
      'https://b1',
      'https://bl',
    ]);
  });

  it('shows a subscription only to its owner and BLs, and its bearer tokens to nobody', async () => {
    await subscribe(VEN_B2, request(['SUBSCRIPTION'], ['CREATE'], {}, 'https://b2'));
    await subscribe(BL, request(['SUBSCRIPTION'], ['CREATE'], {}, 'https://bl'));
    f.sent.length = 0;
    const own = await subscribe(VEN_B1, request(['EVENT'], ['CREATE'], {}, 'https://b1'));
    const published = f.published.at(-1)?.detail;
    expect(JSON.stringify(published)).not.toContain('secret-token');
    await onObjectChanged(f.deps, { objectType: 'SUBSCRIPTION', operation: 'CREATE', object: own });
    expect(recipients(f.sent)).toEqual(['https://bl']);
    expect(JSON.stringify(f.sent[0]?.body)).not.toContain('secret-token');
  });

  it('marks a subscription broken after 5 failed deliveries in a row, then leaves it out', async () => {
    const sub = await subscribe(BL, request(['PROGRAM'], ['CREATE']));
    const id = sub.id as string;
    f.answer(() => ({ ok: false, attempts: 4, status: 500, error: 'status 500' }));
    for (let i = 1; i <= BROKEN_AFTER; i++) {
      const outcome = await onObjectChanged(f.deps, {
        objectType: 'PROGRAM',
        operation: 'CREATE',
        object: program(),
      });
      expect(outcome.failed).toHaveLength(1);
      expect(outcome.broken.map((b) => b.subscriptionId)).toEqual(i === BROKEN_AFTER ? [id] : []);
      const stored = f.objects.get(`SUBSCRIPTION#${id}`) as OpenadrObject;
      expect(stateOf(stored)).toMatchObject({ failures: i, broken: i === BROKEN_AFTER });
      expect(stateOf(stored).lastError).toContain('status 500 after 4 attempt(s)');
    }
    f.sent.length = 0;
    f.answer(() => ({ ok: true, attempts: 1, status: 200 }));
    expect(
      await onObjectChanged(f.deps, { objectType: 'PROGRAM', operation: 'CREATE', object: program() }),
    ).toMatchObject({ matched: 0 });
    expect(f.sent).toEqual([]);
    // The served subscription never shows the books; an update repairs it.
    expect(await getSubscription(f.deps, BL, id)).not.toHaveProperty('failures');
    await updateSubscription(f.deps, BL, id, request(['PROGRAM'], ['CREATE']));
    expect(stateOf(f.objects.get(`SUBSCRIPTION#${id}`) as OpenadrObject)).toEqual({
      failures: 0,
      broken: false,
    });
  });

  it('counts consecutive failures only: a success clears the count', async () => {
    const sub = await subscribe(BL, request(['PROGRAM'], ['CREATE']));
    const stored = () => stateOf(f.objects.get(`SUBSCRIPTION#${sub.id}`) as OpenadrObject);
    const change = () =>
      onObjectChanged(f.deps, { objectType: 'PROGRAM', operation: 'CREATE', object: program() });
    f.answer(() => ({ ok: false, attempts: 4, error: 'timeout after 10000 ms' }));
    for (let i = 0; i < BROKEN_AFTER - 1; i++) await change();
    expect(stored()).toMatchObject({ failures: BROKEN_AFTER - 1, broken: false });
    f.answer(() => ({ ok: true, attempts: 1, status: 204 }));
    await change();
    expect(stored()).toEqual({ failures: 0, broken: false });
    f.answer(() => ({ ok: false, attempts: 4, error: 'timeout after 10000 ms' }));
    await change();
    expect(stored()).toMatchObject({ failures: 1, broken: false });
    // The books never lose the signing secret.
    expect(f.objects.get(`SUBSCRIPTION#${sub.id}`)?.internal?.signingSecret).toBe(sub.signingSecret);
  });

  it('never throws for a failed webhook, and delivers to the others; throws when the store fails', async () => {
    await subscribe(BL, request(['PROGRAM'], ['CREATE'], {}, 'https://bad'));
    await subscribe(VEN_B1, request(['PROGRAM'], ['CREATE'], {}, 'https://good'));
    f.answer((t) =>
      t.url === 'https://bad' ? { ok: false, attempts: 0, error: 'refused' } : { ok: true, attempts: 1 },
    );
    const outcome = await onObjectChanged(f.deps, {
      objectType: 'PROGRAM',
      operation: 'CREATE',
      object: program(),
    });
    expect(outcome).toMatchObject({ matched: 2, delivered: 1, failed: [{ url: 'https://bad' }] });
    f.storeDown(true);
    await expect(
      onObjectChanged(f.deps, { objectType: 'PROGRAM', operation: 'CREATE', object: program() }),
    ).rejects.toThrow('store unavailable');
  });
});

describe("a building's commands as its VENs' events", () => {
  let f: ReturnType<typeof fakeDeps>;
  const command = (overrides: Partial<Command> = {}) => peakCommand({ parkId: 'p1', ...overrides });
  beforeEach(() => {
    f = fakeDepsWithClients();
    const c = command();
    f.commands.set(c.commandId, { command: c, status: 'PUBLISHED', updatedAt: '2026-01-15T01:00:00.000Z' });
  });
  const subscribe = (who: OpenadrCaller, req: SubscriptionRequest) => createSubscription(f.deps, who, req);

  it('sends EVENT CREATE to the VENs that speak for the building, and acknowledges on receipt', async () => {
    await subscribe(VEN_B1, request(['EVENT'], ['CREATE'], {}, 'https://b1'));
    await subscribe(VEN_PARK, request(['EVENT'], ['CREATE'], {}, 'https://p1'));
    await subscribe(VEN_B2, request(['EVENT'], ['CREATE'], {}, 'https://b2'));
    await subscribe(BL, request(['EVENT'], ['CREATE'], {}, 'https://bl'));
    await subscribe(VEN_B1, request(['EVENT'], ['UPDATE'], {}, 'https://b1-updates'));
    const c = command();
    const outcome = await onCommand(f.deps, { command: c });
    expect(outcome).toMatchObject({ matched: 2, delivered: 2 });
    expect(recipients(f.sent)).toEqual(['https://b1', 'https://p1']);
    const toB1 = f.sent.find((s) => s.target.url === 'https://b1')?.body;
    expect(toB1).toMatchObject({
      objectType: 'EVENT',
      operation: 'CREATE',
      targets: ['ven-b1', 'building:b1'],
      object: {
        id: venEventId(c),
        objectType: 'EVENT',
        programID: 'mengxi-peak',
        eventName: c.commandId,
        createdDateTime: '2026-01-15T01:00:00.000Z',
      },
    });
    expect(f.commands.get(c.commandId)?.status).toBe('ACKNOWLEDGED');
    expect(f.published.filter((m) => m.detailType === 'CommandAcknowledged')).toHaveLength(1);
  });

  it('sends EVENT UPDATE for a command that supersedes another, filtered by programID', async () => {
    await subscribe(VEN_B1, request(['EVENT'], ['UPDATE'], { programID: 'mengxi-peak' }, 'https://b1'));
    await subscribe(VEN_B1, request(['EVENT'], ['UPDATE'], { programID: 'other' }, 'https://b1-other'));
    await subscribe(VEN_B1, request(['EVENT'], ['CREATE'], {}, 'https://b1-create'));
    await onCommand(f.deps, { command: command({ supersedes: 'older', revision: 2 }) });
    expect(recipients(f.sent)).toEqual(['https://b1']);
    expect(f.sent[0]?.body.operation).toBe('UPDATE');
  });

  it('does not acknowledge when the delivery fails, nor mind an answer already given', async () => {
    await subscribe(VEN_B1, request(['EVENT'], ['CREATE'], {}, 'https://b1'));
    const c = command();
    f.answer(() => ({ ok: false, attempts: 4, status: 503, error: 'status 503' }));
    await onCommand(f.deps, { command: c });
    expect(f.commands.get(c.commandId)?.status).toBe('PUBLISHED');
    f.commands.set(c.commandId, { command: c, status: 'DECLINED', updatedAt: '2026-01-15T01:00:00.000Z' });
    f.answer(() => ({ ok: true, attempts: 1, status: 200 }));
    await expect(onCommand(f.deps, { command: c })).resolves.toMatchObject({ delivered: 1 });
    expect(f.commands.get(c.commandId)?.status).toBe('DECLINED');
  });

  it('sends EVENT DELETE of the ended command, rebuilt, or minimal when it is gone', async () => {
    await subscribe(VEN_B1, request(['EVENT'], ['DELETE'], {}, 'https://b1'));
    const ended = command();
    const cancel = command({
      commandId: 'cancel-1',
      kind: 'CANCEL',
      revision: 2,
      supersedes: ended.commandId,
      gridLimitKw: [],
      baselineKw: [],
      responseKw: [],
    });
    await onCommandCancelled(f.deps, { command: cancel });
    expect(f.sent[0]?.body).toMatchObject({
      objectType: 'EVENT',
      operation: 'DELETE',
      object: { eventName: ended.commandId, programID: 'mengxi-peak', intervalPeriod: { duration: 'PT15M' } },
    });
    f.sent.length = 0;
    f.commands.clear();
    await onCommandCancelled(f.deps, { command: cancel });
    expect(f.sent[0]?.body.object).toMatchObject({
      eventName: ended.commandId,
      objectType: 'EVENT',
      intervals: [],
    });
    expect(f.commands.size).toBe(0);
  });
});

describe('subscription writes', () => {
  let f: ReturnType<typeof fakeDeps>;
  beforeEach(() => {
    f = fakeDeps();
  });

  it('stores the request with metadata and the caller as clientID, after the echo check of each callback', async () => {
    const created = await createSubscription(
      f.deps,
      VEN_B1,
      request(['EVENT'], ['CREATE'], { programID: 'p' }),
    );
    expect(created).toMatchObject({
      objectType: 'SUBSCRIPTION',
      clientID: 'ven-b1',
      clientName: 'test',
      programID: 'p',
      createdDateTime: '2026-01-15T01:00:00.000Z',
    });
    expect(f.verified).toEqual([{ url: 'https://receiver.example/hook', bearerToken: 'secret-token' }]);
    expect(f.published.map((m) => [m.detailType, m.detail.operation])).toEqual([
      ['OpenadrObjectChanged', 'CREATE'],
    ]);
  });

  it('refuses http callbacks and callbacks that fail the echo check, storing nothing', async () => {
    await expect(
      createSubscription(f.deps, VEN_B1, request(['EVENT'], ['CREATE'], {}, 'http://receiver.example/hook')),
    ).rejects.toThrow(
      'callbackUrl must use https: objectOperations.0.callbackUrl: http://receiver.example/hook',
    );
    expect(f.verified).toEqual([]);
    f.verifyAnswer(() => ({
      ok: false,
      attempts: 1,
      status: 200,
      error: 'echo value missing from the response',
    }));
    await expect(createSubscription(f.deps, VEN_B1, request(['EVENT'], ['CREATE']))).rejects.toThrow(
      'https://receiver.example/hook failed the echo check: echo value missing from the response',
    );
    expect(f.objects.size).toBe(0);
    expect(f.published).toEqual([]);
  });

  it("lets a VEN read and write only its own; a BL read all (without others' tokens) and write its own", async () => {
    const mine = await createSubscription(f.deps, VEN_B1, request(['EVENT'], ['CREATE']));
    const theirs = await createSubscription(
      f.deps,
      VEN_B2,
      request(['REPORT'], ['CREATE'], { programID: 'x' }),
    );
    const id = theirs.id as string;
    await expect(getSubscription(f.deps, VEN_B1, id)).rejects.toBeInstanceOf(NotFoundError);
    await expect(deleteSubscription(f.deps, VEN_B1, id)).rejects.toBeInstanceOf(NotFoundError);
    expect((await searchSubscriptions(f.deps, VEN_B1, {})).map((s) => s.id)).toEqual([mine.id]);
    const all = await searchSubscriptions(f.deps, BL, {});
    expect(all.map((s) => s.id)).toEqual([mine.id, id]);
    expect(JSON.stringify(all)).not.toContain('secret-token');
    expect((await searchSubscriptions(f.deps, BL, { objects: ['REPORT'] })).map((s) => s.id)).toEqual([id]);
    expect((await searchSubscriptions(f.deps, BL, { programID: 'x' })).map((s) => s.id)).toEqual([id]);
    await expect(updateSubscription(f.deps, BL, id, request(['EVENT'], ['CREATE']))).rejects.toThrow(
      `subscription '${id}' belongs to client 'ven-b2'`,
    );
    expect(await deleteSubscription(f.deps, VEN_B2, id)).toMatchObject({ id, clientID: 'ven-b2' });
    expect(f.objects.has(`SUBSCRIPTION#${id}`)).toBe(false);
  });
});
