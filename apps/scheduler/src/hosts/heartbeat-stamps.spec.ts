import { HeartbeatStamps } from './heartbeat-stamps';

describe('HeartbeatStamps', () => {
  const recorder = () => {
    const batches: string[][] = [];
    let wake: () => void = () => undefined;
    const next = () => new Promise<void>((r) => (wake = r));
    const record = async (ids: string[]) => {
      batches.push(ids);
      wake();
    };
    return { batches, next, record };
  };

  it('stamps the answers of a round in batches while the round goes on, not all at its end', async () => {
    const r = recorder();
    const stamps = new HeartbeatStamps(r.record, 10, () => undefined);
    const first = r.next();
    stamps.answered('a');
    stamps.answered('b');
    await first;
    expect(r.batches).toEqual([['a', 'b']]);
    stamps.answered('c');
    await stamps.flush();
    expect(r.batches).toEqual([['a', 'b'], ['c']]);
  });

  it('writes nothing when nothing answered', async () => {
    const r = recorder();
    const stamps = new HeartbeatStamps(r.record, 10, () => undefined);
    await stamps.flush();
    expect(r.batches).toEqual([]);
  });

  it('rejects the flush of a batch that failed, and still writes the next batch', async () => {
    const errors: unknown[] = [];
    const written: string[][] = [];
    let fail = true;
    const stamps = new HeartbeatStamps(
      async (ids) => {
        if (fail) throw new Error('db down');
        written.push(ids);
      },
      1_000,
      (e) => errors.push(e),
    );
    stamps.answered('a');
    await expect(stamps.flush()).rejects.toThrow('db down');
    fail = false;
    stamps.answered('b');
    await stamps.flush();
    expect(written).toEqual([['b']]);
    expect(errors).toEqual([]);
  });
});
