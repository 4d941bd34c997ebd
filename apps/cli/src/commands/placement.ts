import { type Command, Option } from 'commander';
import { collectList, intIn } from '../args/values';
import { action } from '../context';
import { EXIT } from '../exit-codes';
import { SUMMARIES } from './summaries';

export function register(program: Command): void {
  program
    .command('placement')
    .description(SUMMARIES.placement)
    .command('dry-run')
    .description('where a create would land, and which filters removed which hosts (exit 1 when not placeable)')
    .option('--flavor <flavor>', 'flavor name or id (or --vcpus, --memory-mb, --disk-gb)')
    .addOption(new Option('--vcpus <n>').argParser(intIn(1, 1024)))
    .addOption(new Option('--memory-mb <n>').argParser(intIn(16, 16_777_216)))
    .addOption(new Option('--disk-gb <n>').argParser(intIn(0, 1_000_000)))
    .option('--image <image>', 'image name or id (or --guest-type)')
    .addOption(new Option('--guest-type <type>').choices(['pv', 'pvh', 'hvm']))
    .addOption(new Option('--count <n>').argParser(intIn(1, 1000)))
    .option('--pool <id>', 'the pool')
    .option('--exclude-host <id>', 'leave this host out (repeatable)', collectList)
    .action(
      action(
        async (
          ctx,
          o: {
            flavor?: string;
            vcpus?: number;
            memoryMb?: number;
            diskGb?: number;
            image?: string;
            guestType?: 'pv' | 'pvh' | 'hvm';
            count?: number;
            pool?: string;
            excludeHost?: string[];
          },
        ) => {
          const x = await ctx.client();
          const result = await x.POST('/v1/placement/dry-run', {
            body: {
              ...(o.flavor ? { flavor: o.flavor } : {}),
              ...(o.vcpus !== undefined ? { vcpus: o.vcpus } : {}),
              ...(o.memoryMb !== undefined ? { memoryMb: o.memoryMb } : {}),
              ...(o.diskGb !== undefined ? { diskGb: o.diskGb } : {}),
              ...(o.image ? { image: o.image } : {}),
              ...(o.guestType ? { guestType: o.guestType } : {}),
              ...(o.count !== undefined ? { count: o.count } : {}),
              ...(o.pool ? { poolId: o.pool } : {}),
              ...(o.excludeHost ? { excludeHostIds: o.excludeHost } : {}),
            },
          });
          await ctx.print(result);
          return result.placeable ? EXIT.ok : EXIT.failed;
        },
      ),
    );
}
