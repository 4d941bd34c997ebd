import { currentCorrelationId, sanitizeCorrelationId, withCorrelationId } from './correlation';

describe('correlation ids', () => {
  it('follows async work', async () => {
    const seen = await withCorrelationId('req-1', async () => {
      await new Promise((r) => setTimeout(r, 1));
      return currentCorrelationId();
    });
    expect(seen).toBe('req-1');
    expect(currentCorrelationId()).toBeUndefined();
  });

  it('replaces an unsafe id with a fresh one', () => {
    const id = withCorrelationId('bad id\n{"level":60}', () => currentCorrelationId());
    expect(id).toMatch(/^[0-9a-f-]{36}$/);
    expect(sanitizeCorrelationId('x'.repeat(129))).toBeUndefined();
  });
});
