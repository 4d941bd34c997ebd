import type { Command } from 'commander';
import { collectCsv } from '../args/values';
import { action } from '../context';
import { UsageError } from '../errors';
import { EVENT_COLUMNS } from '../output/columns';
import { cellText } from '../output/table';
import { SUMMARIES } from './summaries';

export function register(program: Command): void {
  program
    .command('events')
    .description(SUMMARIES.events)
    .option('--follow', 'stream events as they happen (required: the API serves events as a stream)')
    .option('--vm <id>', "only this VM's events")
    .option('--types <types>', 'only these event types, comma-separated (repeatable)', collectCsv)
    .option('--since <eventId>', 'replay from after this event id first')
    .action(
      action(async (ctx, o: { follow?: boolean; vm?: string; types?: string[]; since?: string }) => {
        if (!o.follow) throw new UsageError('xp events needs --follow (the API serves events as a stream)');
        const x = await ctx.client();
        const abort = new AbortController();
        process.once('SIGINT', () => abort.abort());
        const table = ctx.format === 'table';
        try {
          for await (const e of x.events({
            ...(o.vm ? { vmId: o.vm } : {}),
            ...(o.types ? { types: o.types } : {}),
            ...(o.since ? { since: o.since } : {}),
            signal: abort.signal,
          })) {
            // a line per event, written as it comes: `xp events --follow -o json | jq` works
            if (table) ctx.stdout.write(EVENT_COLUMNS.map((c) => cellText(c.value(e as object))).join('  ') + '\n');
            else ctx.stdout.write(ctx.format === 'json' ? `${JSON.stringify(e)}\n` : `---\n${await yamlOf(e)}`);
          }
        } catch (err) {
          if (!abort.signal.aborted) throw err;
        }
      }),
    );
}

async function yamlOf(v: unknown): Promise<string> {
  const { stringify } = await import('yaml');
  return stringify(v);
}
