// Redis behind Sentinel (REDIS_SENTINELS): a real sentinel (redis-server --sentinel) watching the
// test Redis as its master; the control plane's connection asks it where the master is and
// BullMQ queues work through it.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import { Queue } from 'bullmq';
import { freePort, ManagedProcess, TEST_REDIS_URL, waitFor } from '@xenplane/testing';
import { Redis } from 'ioredis';
import { createRedis } from './connection';

describe('a control-plane Redis connection through Sentinel', () => {
  const dir = mkdtempSync(join(tmpdir(), 'xenplane-sentinel-'));
  const name = `xp-test-${randomUUID().slice(0, 8)}`;
  const prefix = `test-${randomUUID()}`;
  let sentinel: ManagedProcess;
  let port = 0;

  beforeAll(async () => {
    port = await freePort();
    const master = new URL(TEST_REDIS_URL);
    writeFileSync(
      join(dir, 'sentinel.conf'),
      [
        `port ${port}`,
        'bind 127.0.0.1',
        `dir ${dir}`,
        `sentinel monitor ${name} ${master.hostname} ${master.port || 6379} 1`,
        '',
      ].join('\n'),
    );
    sentinel = new ManagedProcess({
      name: 'sentinel',
      command: 'redis-server',
      args: [join(dir, 'sentinel.conf'), '--sentinel'],
      env: { PATH: process.env['PATH'] ?? '' },
      cwd: dir,
      logFile: join(dir, 'sentinel.log'),
    }).start();
    const probe = new Redis({ port, host: '127.0.0.1', lazyConnect: true, maxRetriesPerRequest: 1 });
    await waitFor('the sentinel to know its master', async () =>
      probe
        .connect()
        .catch(() => undefined)
        .then(() => probe.call('SENTINEL', 'get-master-addr-by-name', name))
        .then(
          (addr) => (Array.isArray(addr) ? addr : undefined),
          () => undefined,
        ),
    );
    probe.disconnect();
  });
  afterAll(async () => {
    await sentinel.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('reaches the master the sentinel names, and queues jobs there', async () => {
    const target = {
      REDIS_URL: 'redis://unused.invalid:1',
      REDIS_SENTINELS: `127.0.0.1:${port}`,
      REDIS_SENTINEL_NAME: name,
    };
    const redis = createRedis(target, 'worker');
    const queue = new Queue('sentinel-test', { connection: redis, prefix });
    try {
      await redis.set(`${prefix}:k`, 'through sentinel');
      const direct = new Redis(TEST_REDIS_URL);
      try {
        expect(await direct.get(`${prefix}:k`)).toBe('through sentinel');
      } finally {
        direct.disconnect();
      }
      await queue.add('job', { n: 1 });
      expect(await queue.getJobCounts('waiting')).toMatchObject({ waiting: 1 });
    } finally {
      await queue.obliterate({ force: true });
      await queue.close();
      await redis.del(`${prefix}:k`);
      await redis.quit();
    }
  });
});
