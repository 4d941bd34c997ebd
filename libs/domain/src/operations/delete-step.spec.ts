import { deleteAlreadyDone, destroysOn } from './delete-step';

describe('delete steps', () => {
  it('ends at once when the VM is gone', () => {
    expect(deleteAlreadyDone(null)).toBe(true);
    expect(deleteAlreadyDone({ state: 'deleted' })).toBe(true);
    expect(deleteAlreadyDone({ state: 'deleting' })).toBe(false);
  });

  it('destroys on every host holding a claim but one declared dead', () => {
    expect(destroysOn({ state: 'up' })).toBe(true);
    expect(destroysOn({ state: 'maintenance' })).toBe(true);
    expect(destroysOn({ state: 'unreachable' })).toBe(true);
    expect(destroysOn({ state: 'down' })).toBe(false);
  });
});
