import { parseVmSearch, vmListQuery } from './vm-search';

describe('the VM list filters in the URL', () => {
  it('keeps known states (repeated or a comma list), a name prefix and key=value metadata', () => {
    expect(parseVmSearch({ state: 'running,stopped', name: ' web ', meta: ['team=ci', 'job=4=2'] })).toEqual({
      state: ['running', 'stopped'],
      name: 'web',
      meta: ['team=ci', 'job=4=2'],
    });
    expect(parseVmSearch({ state: ['error', 'error'] })).toEqual({ state: ['error'] });
  });

  it('drops what is malformed instead of throwing', () => {
    expect(parseVmSearch({ state: 'sleeping', name: '   ', meta: 'novalue', tab: 3 })).toEqual({});
    expect(parseVmSearch({ state: 42, meta: [{}, 'x=1'] })).toEqual({ meta: ['x=1'] });
  });

  it('asks the API with namePrefix, state and metadata[key]=value, and the cursor of the page', () => {
    expect(vmListQuery({ state: ['running'], name: 'web', meta: ['team=ci', 'job=4=2'] }, 200, 'c1')).toEqual({
      limit: 200,
      cursor: 'c1',
      state: ['running'],
      namePrefix: 'web',
      metadata: { team: 'ci', job: '4=2' },
    });
    expect(vmListQuery({}, 50)).toEqual({ limit: 50 });
    expect(vmListQuery({}, 50, undefined, 'p1')).toEqual({ limit: 50, projectId: 'p1' });
  });
});
