import type { Command } from 'commander';
import { configPath, readConfig, writeConfig } from '../config/config-file';
import { action, connect } from '../context';
import { UsageError } from '../errors';
import { SUMMARIES } from './summaries';

export function register(program: Command): void {
  program
    .command('login')
    .description(SUMMARIES.login)
    .requiredOption('--url <url>', 'the API, e.g. https://xenplane.example.com')
    .requiredOption('--token <token>', 'an API token (xp_...)')
    .action(
      action(async (ctx, o: { url: string; token: string }) => {
        let url: URL;
        try {
          url = new URL(o.url);
        } catch {
          throw new UsageError(`--url ${o.url} is not a URL`);
        }
        const baseUrl = url.toString().replace(/\/+$/, '');
        // a token the API refuses is not kept: 401 exits 5 from here
        const who = await (await connect(baseUrl, o.token)).GET('/v1/whoami', {});
        const path = configPath(ctx.env);
        const config = await readConfig(path);
        config.profiles[ctx.profile] = { url: baseUrl, token: o.token };
        await writeConfig(path, config);
        await ctx.print({ profile: ctx.profile, url: baseUrl, ...who });
      }),
    );

  program
    .command('logout')
    .description(SUMMARIES.logout)
    .action(
      action(async (ctx) => {
        const path = configPath(ctx.env);
        const config = await readConfig(path);
        if (!config.profiles[ctx.profile]) throw new UsageError(`no profile "${ctx.profile}" in ${path}`);
        delete config.profiles[ctx.profile];
        await writeConfig(path, config);
        ctx.stderr.write(`xp: forgot profile ${ctx.profile}\n`);
      }),
    );

  program
    .command('whoami')
    .description(SUMMARIES.whoami)
    .action(
      action(async (ctx) => {
        const x = await ctx.client();
        const { url, profile } = await ctx.target();
        const who = await x.GET('/v1/whoami', {});
        await ctx.print({ url, ...(profile ? { profile } : {}), ...who });
      }),
    );
}
