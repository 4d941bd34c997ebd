import { checkEventTypes, subscribesTo, WEBHOOK_EVENT_PATTERNS } from './event-types';

describe('webhook event types', () => {
  it('offers the project event types, a wildcard per resource and "*", never host or pool events', () => {
    expect(WEBHOOK_EVENT_PATTERNS).toEqual([
      'vm.state',
      'vm.stale_copy_destroyed',
      'operation.status',
      '*',
      'vm.*',
      'operation.*',
    ]);
    expect(checkEventTypes(['host.state'])).toEqual({
      refusal: expect.stringContaining('"host.state" is not an event type'),
    });
    expect(checkEventTypes(['host.*'])).toHaveProperty('refusal');
  });

  it('requires at least one, refuses unknown ones naming them, and drops repeats', () => {
    expect(checkEventTypes([])).toEqual({ refusal: expect.stringContaining('at least one') });
    expect(checkEventTypes(['vm.state', 'vm.bogus'])).toEqual({
      refusal: expect.stringContaining('"vm.bogus"'),
    });
    expect(checkEventTypes(['vm.*', 'operation.status', 'vm.*'])).toEqual({
      eventTypes: ['vm.*', 'operation.status'],
    });
  });

  it('matches a type exactly, by its resource wildcard, or by "*"', () => {
    expect(subscribesTo(['vm.state'], 'vm.state')).toBe(true);
    expect(subscribesTo(['vm.state'], 'vm.stale_copy_destroyed')).toBe(false);
    expect(subscribesTo(['vm.*'], 'vm.stale_copy_destroyed')).toBe(true);
    expect(subscribesTo(['vm.*'], 'operation.status')).toBe(false);
    // a wildcard is a whole resource: vm.* is not a prefix of "vmx.state"
    expect(subscribesTo(['vm.*'], 'vmx.state')).toBe(false);
    expect(subscribesTo(['*'], 'operation.status')).toBe(true);
    expect(subscribesTo([], 'vm.state')).toBe(false);
  });
});
