import type { Command } from 'commander';
import { action } from '../context';
import { POOL_COLUMNS } from '../output/columns';
import { listAll } from './lists';
import { SUMMARIES } from './summaries';

export function register(program: Command): void {
  const pool = program.command('pool').description(SUMMARIES.pool);

  pool
    .command('list')
    .description('list pools')
    .action(action(async (ctx) => ctx.print(await listAll(await ctx.client(), '/v1/pools'), POOL_COLUMNS)));

  pool
    .command('ha')
    .description("a pool's HA state: failures tolerated, protected VMs, spare capacity")
    .argument('<id>')
    .action(
      action(async (ctx, id: string) => {
        const x = await ctx.client();
        await ctx.print(await x.GET('/v1/pools/{id}/ha', { params: { path: { id } } }));
      }),
    );
}
