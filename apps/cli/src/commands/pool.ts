import type { Command } from 'commander';
import { action } from '../context';
import { POOL_COLUMNS, STORAGE_POOL_COLUMNS } from '../output/columns';
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

  pool
    .command('storage')
    .description("a pool's storage pools: local (each host's disk) and shared (a LUN every host sees)")
    .argument('<id>')
    .action(
      action(async (ctx, id: string) =>
        ctx.print(
          await listAll(await ctx.client(), `/v1/pools/${encodeURIComponent(id)}/storage-pools`),
          STORAGE_POOL_COLUMNS,
        ),
      ),
    );

  pool
    .command('add-shared-storage')
    .description('declare a LUN every host of the pool sees at the same path as a shared storage pool (admins)')
    .argument('<id>', 'the pool')
    .requiredOption('--name <name>', 'e.g. san-1')
    .requiredOption('--device <path>', 'the block device under /dev, the same on every host')
    .requiredOption('--capacity-gb <n>', 'GiB of it the control plane hands out')
    .option('--default', "make it the pool's default: new VMs get their disks there")
    .action(
      action(async (ctx, id: string, o: { name: string; device: string; capacityGb: string; default?: boolean }) => {
        const x = await ctx.client();
        // the API checks the path and the size (400 naming the field)
        await ctx.print(
          await x.POST('/v1/pools/{id}/storage-pools', {
            params: { path: { id } },
            body: {
              name: o.name,
              kind: 'shared',
              devicePath: o.device,
              capacityGb: Number(o.capacityGb),
              ...(o.default ? { default: true } : {}),
            },
          }),
        );
      }),
    );
}
