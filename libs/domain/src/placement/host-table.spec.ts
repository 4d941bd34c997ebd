import { host } from './fixtures';
import { HostTable } from './host-table';

const ids = (it: Iterable<{ id: string }>) => [...it].map((h) => h.id);

describe('HostTable', () => {
  it('keeps hosts by id and in an array, replacing in place', () => {
    const t = new HostTable();
    for (const id of ['a', 'b', 'c']) t.set(host(id));
    t.set(host('b', { name: 'renamed' }));
    expect(t.size).toBe(3);
    expect(t.get('b')?.name).toBe('renamed');
    expect(ids(t.all())).toEqual(['a', 'b', 'c']);
  });

  it('deletes by swapping the last host into the hole', () => {
    const t = new HostTable();
    for (const id of ['a', 'b', 'c', 'd']) t.set(host(id));
    t.delete('b');
    t.delete('nope');
    expect(ids(t.all())).toEqual(['a', 'd', 'c']);
    expect(t.get('d')?.id).toBe('d');
    t.delete('c');
    expect(ids(t.all())).toEqual(['a', 'd']);
    expect(t.get('b')).toBeUndefined();
  });

  it('gives windows that wrap around, never longer than the table', () => {
    const t = new HostTable();
    for (const id of ['a', 'b', 'c', 'd']) t.set(host(id));
    expect(ids(t.window(3, 3))).toEqual(['d', 'a', 'b']);
    expect(ids(t.window(-1, 2))).toEqual(['d', 'a']);
    expect(ids(t.window(1, 10))).toEqual(['b', 'c', 'd', 'a']);
    expect(ids(new HostTable().window(5, 3))).toEqual([]);
    // re-iterable: a decision walks its hosts twice
    const w = t.window(0, 2);
    expect(ids(w)).toEqual(ids(w));
  });
});
