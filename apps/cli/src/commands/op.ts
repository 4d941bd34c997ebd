import { type Command, Option } from 'commander';
import { parseTimeout } from '../args/duration';
import { action } from '../context';
import { OPERATION_COLUMNS, TIMELINE_COLUMNS } from '../output/columns';
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

  op.command('timeline')
    .description("where an operation's time went: each step, its side and how long it took")
    .argument('<id>')
    .action(
      action(async (ctx, id: string) => {
        const x = await ctx.client();
        const t = await x.GET('/v1/operations/{id}/timeline', { params: { path: { id } } });
        // a table shows the steps, then the totals; json and yaml the whole timeline
        if (ctx.format !== 'table') return ctx.print(t);
        await ctx.print(t.steps, TIMELINE_COLUMNS);
        const totals = t.totals.map((s) => `${s.side} ${ms(s.ms)}`).join(', ');
        ctx.stdout.write(`\n${t.status}, ${ms(t.wallMs)} in all (${totals}; ${ms(t.unaccountedMs)} in no step)\n`);
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

function ms(n: number): string {
  return n >= 10_000 ? `${(n / 1000).toFixed(1)} s` : `${n.toFixed(n < 10 ? 2 : 0)} ms`;
}
