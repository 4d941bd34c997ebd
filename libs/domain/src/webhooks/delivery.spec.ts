import {
  afterAttempt,
  deliveredBy,
  deliveriesFor,
  deliveryBackoffMs,
  type DispatchedEvent,
  shortError,
  type Subscriber,
  type WebhookRetryPolicy,
} from './delivery';

const policy: WebhookRetryPolicy = { attempts: 4, backoffMs: 1_000, maxBackoffMs: 3_000 };

describe('webhook retries', () => {
  it('waits the backoff after the first failure, doubled after each further one, capped', () => {
    expect([1, 2, 3, 4, 5].map((n) => deliveryBackoffMs(n, policy))).toEqual([1_000, 2_000, 3_000, 3_000, 3_000]);
  });

  it('delivers on a 2xx only', () => {
    expect([200, 204, 299].map(deliveredBy)).toEqual([true, true, true]);
    expect([null, 199, 301, 404, 500].map(deliveredBy)).toEqual([false, false, false, false, false]);
  });

  it('is pending with its next attempt until the last attempt fails, then failed', () => {
    const now = new Date(10_000);
    expect(afterAttempt(1, 500, now, policy)).toEqual({ status: 'pending', nextAttemptAt: new Date(11_000) });
    expect(afterAttempt(2, null, now, policy)).toEqual({ status: 'pending', nextAttemptAt: new Date(12_000) });
    expect(afterAttempt(4, 500, now, policy)).toEqual({ status: 'failed', nextAttemptAt: null });
    expect(afterAttempt(4, 200, now, policy)).toEqual({ status: 'delivered', nextAttemptAt: null });
    expect(afterAttempt(1, 201, now, { ...policy, attempts: 1 })).toEqual({ status: 'delivered', nextAttemptAt: null });
  });

  it('keeps one short line of an error', () => {
    expect(shortError('connect\n  ECONNREFUSED   127.0.0.1:1')).toBe('connect ECONNREFUSED 127.0.0.1:1');
    expect(shortError('x'.repeat(300))).toHaveLength(200);
  });
});

describe('which webhooks an event goes to', () => {
  const A = 'aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa';
  const B = 'bbbbbbbb-bbbb-4bbb-8bbb-bbbbbbbbbbbb';
  const made = new Date(1_000);
  const hook = (id: string, projectId: string, eventTypes: string[], extra: Partial<Subscriber> = {}): Subscriber => ({
    id,
    projectId,
    eventTypes,
    enabled: true,
    createdAt: made,
    ...extra,
  });
  const event = (id: number, projectId: string | null, type: string, at = 2_000): DispatchedEvent => ({
    id: BigInt(id),
    projectId,
    type,
    createdAt: new Date(at),
  });

  it("goes to each enabled webhook of the event's project that subscribes to its type", () => {
    const hooks = [
      hook('a-vm', A, ['vm.*']),
      hook('a-ops', A, ['operation.status']),
      hook('a-off', A, ['*'], { enabled: false }),
      hook('b-all', B, ['*']),
    ];
    expect(
      deliveriesFor([event(1, A, 'vm.state'), event(2, A, 'operation.status'), event(3, B, 'vm.state')], hooks),
    ).toEqual([
      { webhookId: 'a-vm', eventId: 1n, eventType: 'vm.state' },
      { webhookId: 'a-ops', eventId: 2n, eventType: 'operation.status' },
      { webhookId: 'b-all', eventId: 3n, eventType: 'vm.state' },
    ]);
  });

  it('sends events without a project (hosts, pools) to nobody, even to "*"', () => {
    expect(
      deliveriesFor([event(1, null, 'host.state'), event(2, null, 'vm.stale_copy_destroyed')], [hook('a', A, ['*'])]),
    ).toEqual([]);
  });

  it('sends a webhook nothing recorded before it was made', () => {
    expect(
      deliveriesFor([event(1, A, 'vm.state', 999), event(2, A, 'vm.state', 1_000)], [hook('a', A, ['*'])]),
    ).toEqual([{ webhookId: 'a', eventId: 2n, eventType: 'vm.state' }]);
  });
});
