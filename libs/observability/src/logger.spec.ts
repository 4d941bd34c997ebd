import { Writable } from 'node:stream';
import { withCorrelationId } from './correlation';
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

  it('honours the level', () => {
    const out = capture();
    initLogging('test', 'warn', out.stream);
    early.info('quiet');
    early.error('loud');
    expect(out.lines().map((l) => l['msg'])).toEqual(['loud']);
  });
});
