import type { Command } from 'commander';
import { collectKeyValue } from '../args/values';
import { action } from '../context';
import { UsageError } from '../errors';
import { PROJECT_COLUMNS } from '../output/columns';
import { listAll } from './lists';
import { SUMMARIES } from './summaries';

const QUOTA_KEYS = ['instances', 'vcpus', 'memoryMb', 'diskGb'] as const;

/** `--quota instances=5 --quota vcpus=10` → the API's quota object. */
export function quotaOf(pairs: Record<string, string>): Partial<Record<(typeof QUOTA_KEYS)[number], number>> {
  return Object.fromEntries(
    Object.entries(pairs).map(([k, v]) => {
      if (!(QUOTA_KEYS as readonly string[]).includes(k))
        throw new UsageError(`--quota ${k}: not one of ${QUOTA_KEYS.join(', ')}`);
      if (!/^\d+$/.test(v)) throw new UsageError(`--quota ${k}=${v}: not a whole number`);
      return [k, Number(v)];
    }),
  );
}

export function register(program: Command): void {
  const project = program.command('project').description(SUMMARIES.project);

  project
    .command('list')
    .description('list projects (admins)')
    .action(action(async (ctx) => ctx.print(await listAll(await ctx.client(), '/v1/projects'), PROJECT_COLUMNS)));

  project
    .command('show')
    .description('show a project: its quota and usage')
    .argument('<id>')
    .action(
      action(async (ctx, id: string) => {
        const x = await ctx.client();
        await ctx.print(await x.GET('/v1/projects/{id}', { params: { path: { id } } }));
      }),
    );

  project
    .command('create')
    .description('create a project (admins)')
    .argument('<name>')
    .option('--quota <key=value>', `a quota: ${QUOTA_KEYS.join(', ')} (repeatable)`, collectKeyValue)
    .action(
      action(async (ctx, name: string, o: { quota?: Record<string, string> }) => {
        const x = await ctx.client();
        const body = { name, ...(o.quota ? { quota: quotaOf(o.quota) } : {}) };
        await ctx.print(await x.POST('/v1/projects', { body }));
      }),
    );
}
