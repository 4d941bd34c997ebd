// The systemd deployment's settings files (deploy/systemd) name only settings the scheduler reads.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadSchedulerConfig, schedulerEnv } from './config';

const read = (file: string) => readFileSync(join(__dirname, '../../../deploy/systemd', file), 'utf8');
const settings = (file: string) => [...read(file).matchAll(/^#?([A-Z][A-Z0-9_]*)=/gm)].map((m) => m[1]!);

describe('deploy/systemd settings files of the scheduler', () => {
  it.each(['control-plane.env', 'scheduler.env', 'scheduler-operations.env', 'scheduler-monitor-1.env'])(
    '%s names only settings the scheduler reads',
    (file) => {
      const names = settings(file);
      expect(names.length).toBeGreaterThan(0);
      expect(names.filter((k) => !(k in schedulerEnv.shape))).toEqual([]);
    },
  );

  it.each([
    ['scheduler-operations.env', ['operations', 'webhooks']],
    ['scheduler-monitor-1.env', ['monitor']],
  ])('%s gives its instance valid roles', (file, roles) => {
    const roleLine = /^SCHEDULER_ROLES=(.*)$/m.exec(read(file))![1]!;
    expect(loadSchedulerConfig({ SCHEDULER_ROLES: roleLine }).SCHEDULER_ROLES).toEqual(roles);
  });
});
