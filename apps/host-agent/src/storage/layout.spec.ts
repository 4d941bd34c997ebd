import { AgentError } from '../errors';
import { isUuid, parseDiskFileName, parseSnapshotFileName, requireUuid, StorageLayout } from './layout';

const VM = '6f1c2a3e-0b4d-4e5f-8a9b-0c1d2e3f4a5b';
const SNAP = '0a9b8c7d-6e5f-4a3b-9c2d-1e0f9a8b7c6d';

describe('storage layout', () => {
  const l = new StorageLayout('/srv/xp');

  it('puts every file of a VM in its place', () => {
    expect(l.image(SNAP)).toBe(`/srv/xp/images/${SNAP}.raw`);
    expect(l.disk(VM, 'xvda', 'cow')).toBe(`/srv/xp/disks/${VM}-xvda.cow`);
    expect(l.disk(VM, 'hdb', 'img')).toBe(`/srv/xp/disks/${VM}-hdb.img`);
    expect(l.snapshot(VM, SNAP)).toBe(`/srv/xp/snapshots/${VM}/${SNAP}`);
    expect(l.configDrive(VM)).toBe(`/srv/xp/configs/${VM}-cidata.iso`);
    expect(l.xlConfig(VM)).toBe(`/srv/xp/configs/${VM}.cfg`);
  });

  it.each(['', '..', '../etc', `${VM}/..`, VM.toUpperCase(), VM.slice(0, 8), `${VM}x`, '*'])(
    'refuses %j as an id before it names a path',
    (bad) => {
      for (const f of [
        () => l.disk(bad, 'xvda', 'img'),
        () => l.snapshot(VM, bad),
        () => l.snapshot(bad, SNAP),
        () => l.image(bad),
        () => l.configDrive(bad),
      ]) {
        expect(f).toThrow(AgentError);
        try {
          f();
        } catch (err) {
          expect((err as AgentError).code).toBe('invalid_argument');
        }
      }
    },
  );

  it('refuses a device that is not xvdX or hdX', () => {
    for (const bad of ['', 'sda', 'xvda/..', '../xvda', 'XVDA', 'xvdaaa'])
      expect(() => l.disk(VM, bad, 'img')).toThrow(AgentError);
  });

  it('reads its own file names back, and nothing else', () => {
    expect(parseDiskFileName(`${VM}-xvda.cow`)).toEqual({ vmId: VM, vdev: 'xvda', kind: 'cow' });
    expect(parseDiskFileName(`${VM}-hdb.img`)).toEqual({ vmId: VM, vdev: 'hdb', kind: 'img' });
    for (const other of [`${VM}-xvda.img.part`, `${VM}.cfg`, `${VM}-cidata.iso`, `x-xvda.img`, `${VM}-sda.img`])
      expect(parseDiskFileName(other)).toBeUndefined();
    expect(parseSnapshotFileName('xvdb.cow')).toEqual({ vdev: 'xvdb', kind: 'cow' });
    expect(parseSnapshotFileName('xvdb.cow.part')).toBeUndefined();
    expect(isUuid(VM)).toBe(true);
    expect(requireUuid('vm_id', VM)).toBe(VM);
  });
});
