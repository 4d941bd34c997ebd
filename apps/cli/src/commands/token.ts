import { type Command, Option } from 'commander';
import { action } from '../context';
import { TOKEN_COLUMNS } from '../output/columns';
import { listAll } from './lists';
import { SUMMARIES } from './summaries';

const PROJECT_ROLES = ['admin', 'member', 'viewer'] as const;
const GLOBAL_ROLES = ['operator', 'admin'] as const;

export function register(program: Command): void {
  const token = program.command('token').description(SUMMARIES.token);

  token
    .command('create')
    .description('make a token; its secret is printed this once, never again')
    .requiredOption('--name <name>', 'what it is for, e.g. ci-runner')
    .addOption(
      new Option('--role <role>', 'project: admin, member, viewer; global: operator, admin')
        .choices([...new Set([...PROJECT_ROLES, ...GLOBAL_ROLES])])
        .makeOptionMandatory(),
    )
    .option('--project <id>', "a project's token (default: a global token)")
    .option('--expires <datetime>', 'when it stops working, e.g. 2027-01-31T00:00:00Z')
    .action(
      action(async (ctx, o: { name: string; role: string; project?: string; expires?: string }) => {
        const x = await ctx.client();
        const base = { name: o.name, ...(o.expires ? { expiresAt: o.expires } : {}) };
        // the API says which roles fit which kind of token (422 otherwise)
        const created = o.project
          ? await x.POST('/v1/projects/{id}/tokens', {
              params: { path: { id: o.project } },
              body: { ...base, role: o.role as (typeof PROJECT_ROLES)[number] },
            })
          : await x.POST('/v1/tokens', { body: { ...base, role: o.role as (typeof GLOBAL_ROLES)[number] } });
        await ctx.print(created);
      }),
    );

  token
    .command('list')
    .description("list a project's tokens, or the global ones")
    .option('--project <id>', "a project's tokens (default: the global tokens)")
    .action(
      action(async (ctx, o: { project?: string }) => {
        const path = o.project ? `/v1/projects/${encodeURIComponent(o.project)}/tokens` : '/v1/tokens';
        await ctx.print(await listAll(await ctx.client(), path), TOKEN_COLUMNS);
      }),
    );

  token
    .command('revoke')
    .description('revoke a token: it stops working at once')
    .argument('<id>')
    .action(
      action(async (ctx, id: string) => {
        const x = await ctx.client();
        // 204: nothing to print but that it is done
        await x.DELETE('/v1/tokens/{id}', { params: { path: { id } } });
        ctx.stderr.write(`xp: revoked token ${id}\n`);
      }),
    );
}
