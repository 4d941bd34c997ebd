import type { Xenplane } from '@xenplane/sdk';
import { listAll } from './lists';

describe('listAll', () => {
  it('follows nextCursor page after page, keeping the filters on every page', async () => {
    const pages: Record<string, { items: { id: number }[]; nextCursor?: string }> = {
      '': { items: [{ id: 1 }, { id: 2 }], nextCursor: 'c1' },
      c1: { items: [{ id: 3 }], nextCursor: 'c2' },
      c2: { items: [] },
    };
    const GET = jest.fn(async (_path: string, init: { params: { query: Record<string, string> } }) => {
      return pages[init.params.query['cursor'] ?? '']!;
    });
    const items = await listAll({ GET } as unknown as Xenplane, '/v1/vms', { state: 'running' });
    expect(items).toEqual([{ id: 1 }, { id: 2 }, { id: 3 }]);
    expect(GET.mock.calls.map((c) => c[1].params.query)).toEqual([
      { state: 'running' },
      { state: 'running', cursor: 'c1' },
      { state: 'running', cursor: 'c2' },
    ]);
  });

  it('reads a route that answers the whole array as one page', async () => {
    const GET = jest.fn(async () => [{ id: 'h1' }, { id: 'h2' }]);
    expect(await listAll({ GET } as unknown as Xenplane, '/v1/hosts')).toEqual([{ id: 'h1' }, { id: 'h2' }]);
    expect(GET).toHaveBeenCalledTimes(1);
  });
});
