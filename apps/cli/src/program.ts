import { Command, type CommanderError, Option } from 'commander';
import { SUMMARIES, type TopLevel } from './commands/summaries';
import { XP_VERSION } from './context';
import { EXIT, EXIT_CODES_HELP } from './exit-codes';
import { OUTPUT_FORMATS } from './output/format';

const ENVIRONMENT_HELP = `Environment:
  XENPLANE_URL, XENPLANE_TOKEN  the API and token to use, over the profile's
  XENPLANE_PROFILE              the profile to use (as --profile; default: default)
  XDG_CONFIG_HOME               where xenplane/config.yaml lives (default: ~/.config)`;

type Register = (program: Command) => void;

/** Each top-level command's module (auth and catalog declare more than one command). */
const MODULES: Record<TopLevel, string> = {
  login: './commands/auth',
  logout: './commands/auth',
  whoami: './commands/auth',
  vm: './commands/vm',
  op: './commands/op',
  events: './commands/events',
  host: './commands/host',
  pool: './commands/pool',
  placement: './commands/placement',
  token: './commands/token',
  project: './commands/project',
  audit: './commands/audit',
  flavor: './commands/catalog',
  image: './commands/catalog',
  completion: './commands/completion',
};

const TOP_LEVEL = Object.keys(SUMMARIES) as TopLevel[];

/**
 * Which command modules a run needs: those whose name is among its words (commander alone
 * parses them; an option's value that happens to be a command's name only loads one module
 * more). `xp completion` needs the whole tree; `xp --version` or `xp --help` none.
 */
export function modulesFor(argv: readonly string[]): TopLevel[] {
  return argv.includes('completion') ? TOP_LEVEL : TOP_LEVEL.filter((name) => argv.includes(name));
}

/**
 * The program with the command tree `argv` needs (default: all of it). The other top-level
 * commands are there by name and summary only, for `xp --help`: loading every command's module
 * on every run would cost a CI job that runs `xp` hundreds of times for nothing.
 */
export async function buildProgram(argv: readonly string[] = ['completion']): Promise<Command> {
  const program = new Command('xp')
    .description('Xenplane from the command line: VMs for tenants and CI jobs, hosts and pools for operators')
    .version(XP_VERSION, '-V, --version')
    .addOption(
      new Option('-o, --output <format>', 'table (default on a terminal), json (default otherwise) or yaml').choices(
        OUTPUT_FORMATS,
      ),
    )
    .option('--profile <name>', 'the profile of the config file to use (xp login --profile)')
    .addHelpText('after', `\n${EXIT_CODES_HELP}\n\n${ENVIRONMENT_HELP}`)
    .showHelpAfterError('(xp --help for usage)')
    // every commander refusal (unknown command or option, missing or bad value, a command without
    // its subcommand) exits 2, not commander's 1; help and version asked for exit 0
    .exitOverride((err: CommanderError) => process.exit(err.exitCode === 0 ? EXIT.ok : EXIT.usage));
  const wanted = new Set(modulesFor(argv).map((name) => MODULES[name]));
  const loaded = new Set<string>();
  for (const name of TOP_LEVEL) {
    const module = MODULES[name];
    if (!wanted.has(module)) program.command(name).description(SUMMARIES[name]);
    else if (!loaded.has(module)) {
      loaded.add(module);
      ((await import(module)) as { register: Register }).register(program);
    }
  }
  return program;
}
