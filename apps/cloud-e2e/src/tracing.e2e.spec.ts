import { randomBytes } from 'node:crypto';
import { Cloud, OtlpReceiver, type ReceivedSpan, waitFor } from '@xenplane/testing';
import { expectRefused, waitForOperations } from './helpers';

const SPAN_KIND_SERVER = 2;
const SPAN_KIND_CLIENT = 3;

/**
 * One VM create followed through the whole cloud, as an operator would with a tracing backend
 * (an OTLP/HTTP collector in this process), with the logs, and with the operation's timeline.
 */
describe('traces, logs and timelines of an operation', () => {
  let cloud: Cloud;
  let otlp: OtlpReceiver;
  // the caller's own trace: the API continues it
  const traceId = randomBytes(16).toString('hex');
  const callerSpanId = randomBytes(8).toString('hex');
  const correlationId = `trace-e2e-${randomBytes(4).toString('hex')}`;
  let operationId: string;
  let vmId: string;

  beforeAll(async () => {
    otlp = await OtlpReceiver.start();
    cloud = await Cloud.start({
      hosts: 1,
      env: {
        OTEL_EXPORTER_OTLP_ENDPOINT: otlp.url,
        OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json',
        OTEL_BSP_SCHEDULE_DELAY: '100',
      },
      agentEnv: { SIM_BOOT_MS: '30' },
    });
    const created = await cloud.api.post(
      '/v1/vms',
      { name: 'traced', flavor: 'xp.micro', image: 'tiny-pv' },
      { traceparent: `00-${traceId}-${callerSpanId}-01`, 'x-correlation-id': correlationId },
    );
    expect(created.status).toBe(202);
    operationId = created.body.operations[0].id;
    vmId = created.body.vms[0].id;
    const [op] = await waitForOperations(cloud, [operationId]);
    expect(op.status).toBe('succeeded');
  });
  afterAll(async () => {
    await cloud?.stop();
    await otlp?.close();
  });

  it('one trace runs from the request through the job and the agent call to the agent, each span under its caller', async () => {
    const byName = (spans: ReceivedSpan[], service: string, name: string) =>
      spans.find((s) => s.service === service && s.name === name);
    const spans = await waitFor('the spans of the create in every process', async () => {
      const t = otlp.trace(traceId);
      return byName(t, 'host-agent', 'guest.boot') && byName(t, 'scheduler', 'scheduler.run') ? t : undefined;
    });
    const request = byName(spans, 'api', 'POST /v1/vms')!;
    expect(request).toMatchObject({ parentSpanId: callerSpanId, kind: SPAN_KIND_SERVER });
    expect(request.attributes).toMatchObject({ 'http.route': '/v1/vms', 'http.response.status_code': 202 });
    expect(byName(spans, 'api', 'api.accept')!.parentSpanId).toBe(request.spanId);
    // the job carried the request's context: the worker's spans are the request's children
    const run = byName(spans, 'scheduler', 'scheduler.run')!;
    expect(run.parentSpanId).toBe(request.spanId);
    expect(run.attributes).toMatchObject({ 'operation.id': operationId, 'operation.kind': 'create' });
    expect(byName(spans, 'scheduler', 'queue.wait')!.parentSpanId).toBe(request.spanId);
    const placement = byName(spans, 'scheduler', 'placement')!;
    expect(placement.parentSpanId).toBe(run.spanId);
    expect(byName(spans, 'scheduler', 'claim')).toMatchObject({
      parentSpanId: placement.spanId,
      attributes: expect.objectContaining({ 'claim.result': 'claimed' }),
    });
    // the gRPC call carried it in metadata: the agent's handler is the call's child
    const call = byName(spans, 'scheduler', 'agent.CreateDomain')!;
    expect(call).toMatchObject({ parentSpanId: run.spanId, kind: SPAN_KIND_CLIENT });
    const handled = byName(spans, 'host-agent', 'rpc.CreateDomain')!;
    expect(handled).toMatchObject({ parentSpanId: call.spanId, kind: SPAN_KIND_SERVER });
    expect(byName(spans, 'host-agent', 'guest.boot')!.parentSpanId).toBe(handled.spanId);
    expect(byName(spans, 'host-agent', 'storage.prepare')!.parentSpanId).toBe(handled.spanId);
    expect(otlp.refused).toEqual([]);
  });

  it("leaves the VM's id, the operation's, the correlation id and the trace id on its lines at info, in every process", () => {
    const processes = { api: cloud.apiProcess!, scheduler: cloud.schedulers[0]!, agent: cloud.agents! };
    for (const [name, p] of Object.entries(processes)) {
      // the lines of the operation's work (this test's own reads of it, later, are not)
      const lines = p
        .output()
        .split('\n')
        .filter((l) => l.startsWith('{') && l.includes(operationId))
        .map((l) => JSON.parse(l) as Record<string, unknown>)
        .filter((l) => l['operationId'] === operationId);
      const atInfo = lines.filter((l) => l['level'] === 30);
      expect({ name, atInfo: atInfo.length > 0 }).toEqual({ name, atInfo: true });
      for (const line of lines)
        expect({ name, line }).toEqual({
          name,
          line: expect.objectContaining({ vmId, operationId, correlationId, traceId }),
        });
    }
  });

  it("shows the operation's correlation id in its view", async () => {
    const op = await cloud.api.get(`/v1/operations/${operationId}`);
    expect(op.body.correlationId).toBe(correlationId);
  });

  it('answers its timeline: each step in order, nested, with durations that fit in its wall time', async () => {
    const t = await waitFor('the timeline with the run of the scheduler', async () => {
      const res = await cloud.api.get(`/v1/operations/${operationId}/timeline`);
      expect(res.status).toBe(200);
      return res.body.steps.some((s: any) => s.name === 'scheduler.run') ? res.body : undefined;
    });
    expect(t).toMatchObject({ operationId, status: 'succeeded', traceId, correlationId });
    const names = t.steps.map((s: any) => `${'  '.repeat(s.depth)}${s.name}`);
    const inOrder = [
      'api.accept',
      'queue.wait',
      'operation.begin',
      'scheduler.run',
      '  placement',
      '    claim',
      '  agent.CreateDomain',
      '    rpc.CreateDomain',
      '      storage.prepare',
      '      guest.boot',
    ];
    expect(names.filter((n: string) => inOrder.includes(n))).toEqual(inOrder);
    for (const s of t.steps) expect(s.durationMs).toBeGreaterThanOrEqual(0);
    const topLevel = t.steps.filter((s: any) => s.depth === 0);
    const sum = topLevel.reduce((n: number, s: any) => n + s.durationMs, 0);
    // a step's start is kept to the millisecond (timestamptz(3)), its duration finer: two steps
    // handing over within a millisecond may seem to overlap by less than one (CI saw 0.085 ms)
    const boundaries = topLevel.length;
    expect(sum).toBeLessThan(t.wallMs + boundaries);
    // what is neither in a step nor in a gap: hand-overs shorter than a millisecond, one at most between two steps
    const handOvers = t.wallMs - sum - t.unaccountedMs;
    expect(handOvers).toBeGreaterThan(-boundaries);
    expect(handOvers).toBeLessThan(boundaries);
    // the API's step begins at the request's arrival, before the operation's row existed
    const created = new Date((await cloud.api.get(`/v1/operations/${operationId}`)).body.createdAt).getTime();
    expect(new Date(t.steps[0].startedAt).getTime()).toBeLessThanOrEqual(created);
    expect(t.totals.map((x: any) => x.side)).toEqual(['api', 'queue', 'scheduler', 'agent']);
  });

  it("is not another project's to read: 404, as the operation itself", async () => {
    const project = await cloud.api.post('/v1/projects', { name: 'elsewhere' });
    const tenant = cloud.api.withToken(
      (await cloud.api.post(`/v1/projects/${project.body.id}/tokens`, { name: 't', role: 'member' })).body.token,
    );
    await expectRefused(cloud, () => tenant.get(`/v1/operations/${operationId}/timeline`), 404, 'not_found');
    await expectRefused(cloud, () => tenant.get(`/v1/operations/${operationId}`), 404, 'not_found');
    // and its rows are still there for those who may read them
    expect((await cloud.api.get(`/v1/operations/${operationId}/timeline`)).body.steps.length).toBeGreaterThan(5);
  });
});
