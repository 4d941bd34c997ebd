import type { Xenplane } from '@xenplane/sdk';
import { listAll } from './lists';

describe('listAll', () => {
  it("collects every item the SDK's paginate yields, with the filters given to it", async () => {
    const paginate = jest.fn(async function* () {
      yield { id: 1 };
      yield { id: 2 };
      yield { id: 3 };
    });
    const items = await listAll({ paginate } as unknown as Xenplane, '/v1/vms', { state: 'running' });
    expect(items).toEqual([{ id: 1 }, { id: 2 }, { id: 3 }]);
    expect(paginate).toHaveBeenCalledWith('/v1/vms', { params: { query: { state: 'running' } } });
  });
});
