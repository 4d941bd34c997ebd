import { Argument, type Command } from 'commander';
import { bashScript, zshScript } from '../completion/scripts';
import { completionTree } from '../completion/tree';
import { SUMMARIES } from './summaries';

export function register(program: Command): void {
  program
    .command('completion')
    .description(SUMMARIES.completion)
    .addArgument(new Argument('<shell>').choices(['bash', 'zsh']))
    .action((shell: 'bash' | 'zsh') => {
      const tree = completionTree(program);
      process.stdout.write(shell === 'bash' ? bashScript(tree, program.name()) : zshScript(tree, program.name()));
    });
}
