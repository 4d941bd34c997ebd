import { encodeCursor, pageOf, parseCursor } from './cursor';

const id = (n: number) => `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`;
const row = (n: number) => ({ id: id(n), createdAt: new Date(Date.UTC(2026, 0, 1, 0, 0, n)) });

describe('cursors', () => {
  it('read back what they wrote', () => {
    const c = row(7);
    expect(parseCursor(encodeCursor(c))).toEqual(c);
  });

  it('refuse anything this API did not issue', () => {
    expect(parseCursor('')).toBeUndefined();
    expect(parseCursor('garbage')).toBeUndefined();
    expect(parseCursor(Buffer.from(`not-a-date|${id(1)}`).toString('base64url'))).toBeUndefined();
    expect(parseCursor(Buffer.from('2026-01-01T00:00:00.000Z|x').toString('base64url'))).toBeUndefined();
    expect(parseCursor(Buffer.from('2026-01-01T00:00:00.000Z').toString('base64url'))).toBeUndefined();
  });
});

describe('pageOf', () => {
  it('keeps limit rows and points past the last when there are more', () => {
    const rows = [row(3), row(2), row(1)];
    const p = pageOf(rows, 2);
    expect(p.items).toEqual([row(3), row(2)]);
    expect(parseCursor(p.nextCursor!)).toEqual(row(2));
  });

  it('has no next cursor on the last page', () => {
    expect(pageOf([row(2), row(1)], 2)).toEqual({ items: [row(2), row(1)] });
    expect(pageOf([], 2)).toEqual({ items: [] });
  });
});
