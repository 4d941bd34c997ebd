import type { Command } from 'commander';
import { action } from '../context';
import { FLAVOR_COLUMNS, IMAGE_COLUMNS } from '../output/columns';
import { listAll } from './lists';
import { SUMMARIES } from './summaries';

/** What VMs are made of: flavors and images (listing; images are uploaded with the API). */
export function register(program: Command): void {
  program
    .command('flavor')
    .description(SUMMARIES.flavor)
    .command('list')
    .description('list flavors')
    .action(action(async (ctx) => ctx.print(await listAll(await ctx.client(), '/v1/flavors'), FLAVOR_COLUMNS)));

  program
    .command('image')
    .description(SUMMARIES.image)
    .command('list')
    .description('list images (public ones and your project’s)')
    .action(action(async (ctx) => ctx.print(await listAll(await ctx.client(), '/v1/images'), IMAGE_COLUMNS)));
}
