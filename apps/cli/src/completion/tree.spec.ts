import { buildProgram } from '../program';
import { bashScript, zshScript } from './scripts';
import { completionTree } from './tree';

describe('completion from the command tree', () => {
  it('knows every command path, its subcommands and flags, the global ones included', async () => {
    const tree = completionTree(await buildProgram());
    const node = (path: string) => tree.nodes.find((n) => n.path === path);
    expect(node('xp')!.subcommands).toEqual(expect.arrayContaining(['vm', 'host', 'token', 'completion']));
    expect(node('xp vm')!.subcommands).toEqual(
      expect.arrayContaining(['create', 'list', 'get', 'start', 'stop', 'reboot', 'delete', 'wait', 'console', 'ssh']),
    );
    expect(node('xp vm create')!.flags).toEqual(
      expect.arrayContaining([
        '--flavor',
        '--image',
        '--ttl',
        '--ssh-key',
        '--wait',
        '--timeout',
        '--output',
        '--profile',
      ]),
    );
    expect(tree.valueOptions).toEqual(
      expect.arrayContaining([
        { flags: ['-o', '--output'], choices: ['table', 'json', 'yaml'] },
        { flags: ['--ssh-key'] },
        expect.objectContaining({ flags: ['--state'], choices: expect.arrayContaining(['running', 'error']) }),
      ]),
    );
  });

  it('writes the tree into both scripts', async () => {
    const tree = completionTree(await buildProgram());
    const bash = bashScript(tree);
    expect(bash).toContain("'xp vm create') words='");
    expect(bash).toMatch(/complete -F _xp_complete xp\n$/);
    const zsh = zshScript(tree);
    expect(zsh).toMatch(/^#compdef xp\n/);
    expect(zsh).toContain("'xp host') compadd -- 'list' 'show'");
  });
});
