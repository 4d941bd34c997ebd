import { type Command, Option } from 'commander';
import { intIn } from '../args/values';
import { action } from '../context';
import { AUDIT_COLUMNS } from '../output/columns';
import { SUMMARIES } from './summaries';

interface AuditOptions {
  action?: string;
  resourceType?: string;
  resource?: string;
  token?: string;
  project?: string;
  since?: string;
  until?: string;
  limit: number;
}

export function register(program: Command): void {
  program
    .command('audit')
    .description(SUMMARIES.audit)
    .option('--action <action>', 'e.g. vm.create, token.revoke')
    .option('--resource-type <type>', 'vm, project, token, host, ...')
    .option('--resource <id>', 'rows naming this resource')
    .option('--token <id>', 'requests made with this token')
    .option('--project <id>', "the caller's project")
    .option('--since <datetime>', 'rows at or after this time')
    .option('--until <datetime>', 'rows before this time')
    .addOption(new Option('--limit <n>', 'at most this many rows').argParser(intIn(1, 10_000)).default(100))
    .action(
      action(async (ctx, o: AuditOptions) => {
        const x = await ctx.client();
        const query = {
          ...(o.action ? { action: o.action } : {}),
          ...(o.resourceType ? { resourceType: o.resourceType } : {}),
          ...(o.resource ? { resourceId: o.resource } : {}),
          ...(o.token ? { tokenId: o.token } : {}),
          ...(o.project ? { projectId: o.project } : {}),
          ...(o.since ? { since: o.since } : {}),
          ...(o.until ? { until: o.until } : {}),
        };
        const rows: unknown[] = [];
        for await (const row of x.paginate('/v1/audit', { params: { query } })) {
          rows.push(row);
          if (rows.length >= o.limit) break;
        }
        await ctx.print(rows as Record<string, unknown>[], AUDIT_COLUMNS);
      }),
    );
}
