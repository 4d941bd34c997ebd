import { type KnownVm, reconcileHost, type ReportedDomain } from './reconcile';

const H = 'host-a';
const now = new Date('2026-01-01T00:10:00Z');
const long = new Date('2026-01-01T00:00:00Z');

const vm = (id: string, over: Partial<KnownVm> = {}): KnownVm => ({
  id,
  state: 'running',
  hostId: H,
  epoch: 1,
  powerState: 'running',
  busy: false,
  stateChangedAt: long,
  ...over,
});
const dom = (vmId: string, over: Partial<ReportedDomain> = {}): ReportedDomain => ({
  vmId,
  epoch: 1,
  state: 'running',
  ...over,
});
const run = (domains: ReportedDomain[], vms: KnownVm[]) =>
  reconcileHost({
    hostId: H,
    reportedAt: now,
    domains,
    vms: new Map(vms.map((v) => [v.id, v])),
    settleMs: 5_000,
    stuckAfterMs: 600_000,
  });

describe('reconcileHost', () => {
  it('leaves a host that agrees alone', () => {
    expect(run([dom('a'), dom('b', { state: 'blocked' })], [vm('a'), vm('b')])).toEqual([]);
  });

  it('destroys domains nobody owns here', () => {
    const actions = run(
      [dom('ghost'), dom('gone'), dom('moved'), dom('stale', { epoch: 1 }), dom('off')],
      [
        vm('gone', { state: 'deleted', hostId: null }),
        vm('moved', { hostId: 'host-b' }),
        vm('stale', { epoch: 2 }),
        vm('off', { state: 'stopped' }),
      ],
    );
    expect(actions.map((a) => a.kind === 'destroy-orphan' && a.vmId)).toEqual([
      'ghost',
      'gone',
      'moved',
      'stale',
      'off',
    ]);
    expect(actions.map((a) => a.kind === 'destroy-orphan' && a.purge)).toEqual([true, true, false, false, false]);
  });

  it("leaves a migrating VM's incoming domain on the target alone, and destroys it once the VM stayed on its source", () => {
    const incoming = dom('m', { epoch: 2 });
    // even should the lookup of its operation miss: the state alone protects it
    expect(run([incoming], [vm('m', { state: 'migrating', hostId: 'host-b', epoch: 1 })])).toEqual([]);
    expect(run([incoming], [vm('m', { state: 'migrating', hostId: 'host-b', epoch: 1, busy: true })])).toEqual([]);
    expect(run([incoming], [vm('m', { state: 'running', hostId: 'host-b', epoch: 1 })])).toEqual([
      { kind: 'destroy-orphan', vmId: 'm', reason: 'its VM is placed on another host', purge: false },
    ]);
  });

  it('does not call a migrated VM vanished, nor its source copy a stray, before the reports catch up', () => {
    const justMoved = new Date(now.getTime() - 1_000);
    // the target's report predates the switch; the source's still lists the domain it let go
    expect(run([], [vm('m', { epoch: 2, stateChangedAt: justMoved })])).toEqual([]);
    expect(run([dom('m', { epoch: 1 })], [vm('m', { hostId: 'host-b', epoch: 2, stateChangedAt: justMoved })])).toEqual(
      [],
    );
    expect(run([dom('m', { epoch: 1 })], [vm('m', { hostId: 'host-b', epoch: 2 })])).toHaveLength(1);
  });

  it('marks a running VM whose domain vanished', () => {
    expect(run([], [vm('a')])).toEqual([{ kind: 'mark-vanished', vmId: 'a', from: 'running' }]);
  });

  it('leaves alone what an operation is working on, or what changed too recently to be in the report', () => {
    const recent = new Date(now.getTime() - 1_000);
    expect(run([], [vm('busy', { busy: true }), vm('new', { stateChangedAt: recent })])).toEqual([]);
    expect(run([dom('x')], [vm('x', { state: 'deleted', hostId: null, stateChangedAt: recent })])).toEqual([]);
  });

  it('follows the power state of a running VM', () => {
    expect(
      run(
        [dom('p', { state: 'paused' }), dom('c', { state: 'crashed' }), dom('r')],
        [vm('p'), vm('c'), vm('r', { powerState: 'paused' })],
      ),
    ).toEqual([
      { kind: 'set-power', vmId: 'p', powerState: 'paused' },
      { kind: 'set-power', vmId: 'c', powerState: 'crashed' },
      { kind: 'set-power', vmId: 'r', powerState: 'running' },
    ]);
  });

  it('calls a transitional state with nothing behind it stuck, after a while', () => {
    expect(run([dom('b')], [vm('b', { state: 'building' })])).toEqual([
      { kind: 'mark-stuck', vmId: 'b', state: 'building' },
    ]);
    const fresh = new Date(now.getTime() - 60_000);
    expect(run([dom('b')], [vm('b', { state: 'building', stateChangedAt: fresh })])).toEqual([]);
  });
});
