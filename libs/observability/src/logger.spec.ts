import { Writable } from 'node:stream';
import { withCorrelationId, withWork } from './correlation';
import { step } from './step';
import { initTracing } from './tracing';
import { getLogger, initLogging } from './logger';

// Taken at module load, before main() sets logging up, as every module does.
const early = getLogger('early-module');

function capture(): { lines: () => Record<string, unknown>[]; stream: Writable } {
  const chunks: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _enc, done) {
      chunks.push(chunk.toString());
      done();
    },
  });
  return {
    stream,
    lines: () =>
      chunks
        .join('')
        .split('\n')
        .filter(Boolean)
        .map((l) => JSON.parse(l) as Record<string, unknown>),
  };
}

describe('logging', () => {
  it('a logger taken before initLogging writes through the root made later', () => {
    const out = capture();
    initLogging('test', 'info', out.stream);
    early.info({ n: 1 }, 'hello');
    expect(out.lines()).toEqual([
      expect.objectContaining({ service: 'test', module: 'early-module', n: 1, msg: 'hello' }),
    ]);
  });

  it('stamps the correlation id and redacts secrets', () => {
    const out = capture();
    initLogging('test', 'info', out.stream);
    withCorrelationId('req-42', () =>
      early.warn({ token: 'xp_secret', headers: { authorization: 'Bearer xp_secret' } }, 'call'),
    );
    const [line] = out.lines();
    expect(line).toMatchObject({
      correlationId: 'req-42',
      token: '[redacted]',
      headers: { authorization: '[redacted]' },
    });
    expect(JSON.stringify(line)).not.toContain('xp_secret');
  });

  it("stamps the work's operation, VM, trace and span on every line inside it", async () => {
    const tracing = initTracing('test', { side: 'api', export: false });
    const out = capture();
    initLogging('test', 'info', out.stream);
    await withCorrelationId('req-7', () =>
      withWork({ operationId: 'op-1', vmId: 'vm-1' }, () => step('work', async () => early.info('inside'))),
    );
    early.info('outside');
    const [inside, outside] = out.lines();
    expect(inside).toMatchObject({ correlationId: 'req-7', operationId: 'op-1', vmId: 'vm-1' });
    expect(inside!['traceId']).toMatch(/^[0-9a-f]{32}$/);
    expect(inside!['spanId']).toMatch(/^[0-9a-f]{16}$/);
    expect(Object.keys(outside!)).not.toEqual(expect.arrayContaining(['correlationId']));
    expect(outside).not.toHaveProperty('traceId');
    await tracing.shutdown();
  });

  it('honours the level', () => {
    const out = capture();
    initLogging('test', 'warn', out.stream);
    early.info('quiet');
    early.error('loud');
    expect(out.lines().map((l) => l['msg'])).toEqual(['loud']);
  });
});
