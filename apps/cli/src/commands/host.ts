import type { Command } from 'commander';
import { action } from '../context';
import { HOST_COLUMNS, OPERATION_COLUMNS } from '../output/columns';
import { listAll } from './lists';
import { SUMMARIES } from './summaries';

export function register(program: Command): void {
  const host = program.command('host').description(SUMMARIES.host);

  host
    .command('list')
    .description('list hosts')
    .action(action(async (ctx) => ctx.print(await listAll(await ctx.client(), '/v1/hosts'), HOST_COLUMNS)));

  host
    .command('show')
    .description('show a host: capacity, usage, liveness')
    .argument('<id>')
    .action(
      action(async (ctx, id: string) => {
        const x = await ctx.client();
        await ctx.print(await x.GET('/v1/hosts/{id}', { params: { path: { id } } }));
      }),
    );

  host
    .command('maintenance')
    .description('put a host in maintenance: its running VMs move off (prints the evacuation), or --no-evacuate')
    .argument('<id>')
    .option('--no-evacuate', 'only keep new VMs off it')
    .action(
      action(async (ctx, id: string, o: { evacuate: boolean }) => {
        const x = await ctx.client();
        const answer = await x.POST('/v1/hosts/{id}/maintenance', {
          params: { path: { id } },
          body: { evacuate: o.evacuate },
        });
        await ctx.print(answer, o.evacuate ? OPERATION_COLUMNS : HOST_COLUMNS);
      }),
    );

  host
    .command('enable')
    .description('bring a host back into service (an evacuation under way is cancelled)')
    .argument('<id>')
    .action(
      action(async (ctx, id: string) => {
        const x = await ctx.client();
        await ctx.print(await x.POST('/v1/hosts/{id}/enable', { params: { path: { id } } }), HOST_COLUMNS);
      }),
    );

  host
    .command('declare-dead')
    .description('declare a powered-off host dead: its protected VMs restart elsewhere at once')
    .argument('<id>')
    .requiredOption('--confirm <name>', "the host's name, typed again")
    .action(
      action(async (ctx, id: string, o: { confirm: string }) => {
        const x = await ctx.client();
        await ctx.print(
          await x.POST('/v1/hosts/{id}/declare-dead', { params: { path: { id } }, body: { confirm: o.confirm } }),
        );
      }),
    );
}
