import { type Command, Option } from 'commander';
import { parseTimeout } from '../args/duration';
import { action } from '../context';
import { OPERATION_COLUMNS } from '../output/columns';
import { watchOperation } from './vm';
import { SUMMARIES } from './summaries';

export function register(program: Command): void {
  const op = program.command('op').description(SUMMARIES.op);

  op.command('get')
    .description('show an operation')
    .argument('<id>')
    .action(
      action(async (ctx, id: string) => {
        const x = await ctx.client();
        await ctx.print(await x.GET('/v1/operations/{id}', { params: { path: { id } } }), OPERATION_COLUMNS);
      }),
    );

  op.command('watch')
    .description('wait for an operation to end and print it (exit 1 if it failed)')
    .argument('<id>')
    .addOption(
      new Option('--timeout <duration>', 'how long to wait (exit 3 past it)')
        .argParser(parseTimeout)
        .default(600_000, '10m'),
    )
    .action(
      action(async (ctx, id: string, o: { timeout: number }) => watchOperation(ctx, await ctx.client(), id, o.timeout)),
    );
}
