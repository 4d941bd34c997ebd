import { xlSubcommand } from './metrics';

describe('xlSubcommand', () => {
  it('is the first argument that is not a flag', () => {
    expect(xlSubcommand(['create', '/tmp/vm.cfg'])).toBe('create');
    expect(xlSubcommand(['-v', 'list', '-l'])).toBe('list');
    expect(xlSubcommand(['migrate-receive'])).toBe('migrate-receive');
  });

  it('is `other` for anything but a plain word, so that the label keeps few values', () => {
    expect(xlSubcommand([])).toBe('other');
    expect(xlSubcommand(['-v'])).toBe('other');
    expect(xlSubcommand(['/usr/sbin/xl'])).toBe('other');
    expect(xlSubcommand(['vm-3f2a…'])).toBe('other');
  });
});
