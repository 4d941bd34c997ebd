import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { PeriodicJob } from '@xenplane/queue';
import { TEST_REDIS_URL } from '@xenplane/testing';
import type { SchedulerConfig } from '../config';
import type { GarbageCollector } from '../gc/garbage-collector';
import type { OutboxSweeper } from '../outbox/outbox-sweeper';
import type { PoolUsageSampler } from '../pools/pool-usage-sampler';
import type { TtlReaper } from '../ttl/ttl-reaper';
import type { CertificateRenewer } from '../certificates/certificate-renewer';
import { PeriodicWorker } from './periodic-worker';

type Command = { name: string; args: unknown[] };
type Internals = {
  redis: Redis & { sendCommand(command: Command, stream?: unknown): Promise<unknown> };
  run(job: { name: string }): Promise<void>;
};

describe('PeriodicWorker lease (real Redis)', () => {
  const prefix = `xptest-${randomBytes(4).toString('hex')}`;
  const lease = `${prefix}:periodic-lease:${PeriodicJob.OutboxSweep}`;
  const other = new Redis(TEST_REDIS_URL);
  const workers: PeriodicWorker[] = [];
  let sweep: () => Promise<void>;

  const worker = (): Internals => {
    const config = {
      REDIS_URL: TEST_REDIS_URL,
      XENPLANE_QUEUE_PREFIX: prefix,
      OUTBOX_SWEEP_INTERVAL_MS: 2_000,
      TTL_REAP_INTERVAL_MS: 1_000,
      GC_INTERVAL_MS: 60_000,
      POOL_USAGE_SAMPLE_INTERVAL_MS: 60_000,
      CERT_RENEW_CHECK_INTERVAL_MS: 60_000,
    } as SchedulerConfig;
    const w = new PeriodicWorker(
      config,
      { sweep: () => sweep() } as unknown as OutboxSweeper,
      { reap: async () => undefined } as unknown as TtlReaper,
      { collect: async () => undefined } as unknown as GarbageCollector,
      { sample: async () => ({ pools: 0, deleted: 0 }) } as unknown as PoolUsageSampler,
      { renewDue: async () => ({ renewed: 0, failed: 0, expired: 0 }) } as unknown as CertificateRenewer,
    );
    workers.push(w);
    return w as unknown as Internals;
  };

  beforeEach(async () => {
    sweep = async () => undefined;
    await other.del(lease);
  });
  afterAll(async () => {
    await Promise.all(workers.map((w) => w.onApplicationShutdown()));
    await other.del(lease);
    other.disconnect();
  });

  it('frees its lease after a tick', async () => {
    const w = worker();
    let ran = 0;
    sweep = async () => {
      ran++;
      expect(await other.get(lease)).not.toBeNull();
    };
    await w.run({ name: PeriodicJob.OutboxSweep });
    await w.run({ name: PeriodicJob.OutboxSweep });
    expect(ran).toBe(2);
    expect(await other.exists(lease)).toBe(0);
  });

  it('skips a tick while another replica holds the lease, and leaves that lease alone', async () => {
    await other.set(lease, 'replica-b', 'PX', 60_000);
    let ran = 0;
    sweep = async () => void ran++;
    await worker().run({ name: PeriodicJob.OutboxSweep });
    expect(ran).toBe(0);
    expect(await other.get(lease)).toBe('replica-b');
  });

  it('leaves alone the lease another replica took while its own tick outlived its lease', async () => {
    sweep = async () => {
      // our lease expired mid-tick and another replica took it
      await other.set(lease, 'replica-b', 'PX', 60_000);
    };
    await worker().run({ name: PeriodicJob.OutboxSweep });
    expect(await other.get(lease)).toBe('replica-b');
  });

  it("never deletes another replica's lease, even when the lease changes hands in the middle of its release", async () => {
    const w = worker();
    const send = w.redis.sendCommand.bind(w.redis);
    let releasing = false;
    let handedOver = false;
    sweep = async () => void (releasing = true);
    // after the first command of the release that touches the lease has been answered, our
    // lease runs out and another replica takes it, before the release sends anything else
    w.redis.sendCommand = (command: Command, stream?: unknown) => {
      const answer = send(command, stream);
      if (!releasing || handedOver || !command.args.map(String).includes(lease)) return answer;
      return answer.then(async (reply) => {
        handedOver = true;
        await other.set(lease, 'replica-b', 'PX', 60_000);
        return reply;
      });
    };
    await w.run({ name: PeriodicJob.OutboxSweep });
    expect(handedOver).toBe(true);
    expect(await other.get(lease)).toBe('replica-b');
  });
});
