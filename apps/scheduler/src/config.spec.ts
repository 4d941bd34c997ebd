import { loadSchedulerConfig } from './config';

const base = { DATABASE_URL: 'postgresql://x@localhost/x', REDIS_URL: 'redis://localhost:6379' };

describe('scheduler roles', () => {
  it('runs every role by default (one process is a whole scheduler)', () => {
    expect(loadSchedulerConfig(base).SCHEDULER_ROLES).toEqual(['operations', 'monitor', 'webhooks']);
  });

  it('takes a subset, with spaces and repeats forgiven', () => {
    expect(loadSchedulerConfig({ ...base, SCHEDULER_ROLES: ' monitor , monitor' }).SCHEDULER_ROLES).toEqual([
      'monitor',
    ]);
    expect(loadSchedulerConfig({ ...base, SCHEDULER_ROLES: 'operations' }).SCHEDULER_ROLES).toEqual(['operations']);
  });

  it.each(['', ',', 'placement', 'operations,ha'])('refuses %p, naming the setting', (roles) => {
    expect(() => loadSchedulerConfig({ ...base, SCHEDULER_ROLES: roles })).toThrow(/SCHEDULER_ROLES/);
  });
});
