import { spawn } from 'node:child_process';
import { constants } from 'node:os';
import { type Command, Option } from 'commander';
import type { Operation, Vm, VmState, Xenplane } from '@xenplane/sdk';
import { formatDuration, parseTimeout, parseTtl } from '../args/duration';
import { collectKeyValue, collectList, intIn, readPublicKey, readTextArgument } from '../args/values';
import { action, type Context } from '../context';
import { FailedError } from '../errors';
import { EXIT } from '../exit-codes';
import { OPERATION_COLUMNS, VM_COLUMNS } from '../output/columns';
import { listAll } from './lists';
import { SUMMARIES } from './summaries';

/**
 * The VM states of the API, for --state and --for. The SDK exports the same list (VM_STATES), but
 * the SDK is loaded only when a command calls the API (cold start; the lint rule forbids a static
 * import), and commander needs the choices when the command is defined.
 */
export const VM_STATES = [
  'pending',
  'scheduling',
  'building',
  'running',
  'stopping',
  'stopped',
  'starting',
  'rebooting',
  'migrating',
  'recovering',
  'deleting',
  'deleted',
  'error',
] as const satisfies readonly VmState[];
// and every state the API's schema has: a state added there fails the build here until listed
export type UnlistedVmStates = Exclude<VmState, (typeof VM_STATES)[number]>;
export const EVERY_VM_STATE_LISTED: [UnlistedVmStates] extends [never] ? true : never = true;

const DEFAULT_TIMEOUT = '10m';
const timeoutOption = () =>
  new Option('--timeout <duration>', 'how long --wait waits (exit 3 past it)')
    .argParser(parseTimeout)
    .default(parseTimeout(DEFAULT_TIMEOUT), DEFAULT_TIMEOUT);

interface CreateOptions {
  flavor: string;
  image: string;
  count?: number;
  ttl?: number;
  sshKey?: string[];
  keypair?: string[];
  userData?: string;
  network?: string[];
  metadata?: Record<string, string>;
  pool?: string;
  wait?: boolean;
  timeout: number;
}

export function register(program: Command): void {
  const vm = program.command('vm').description(SUMMARIES.vm);

  vm.command('create')
    .description('create a VM (or --count of them), printed as the API answers, or once running with --wait')
    .argument('<name>', 'its name (with --count: name-1, name-2, ...)')
    .requiredOption('--flavor <flavor>', 'flavor name or id')
    .requiredOption('--image <image>', 'image name or id')
    .addOption(new Option('--count <n>', 'how many, at most 100 (all or none are accepted)').argParser(intIn(1, 100)))
    .addOption(new Option('--ttl <duration>', 'delete it this long after creation (e.g. 10m, 2h)').argParser(parseTtl))
    .option('--ssh-key <file>', 'an OpenSSH public key file for the default user (repeatable)', collectList)
    .option('--keypair <name>', "one of the project's keypairs, by name (repeatable)", collectList)
    .addOption(
      new Option('--user-data <data>', 'cloud-init user-data: @FILE, or the text itself').argParser((t) =>
        readTextArgument(t),
      ),
    )
    .option('--network <network>', 'a network by name or id, one vif each, in order (repeatable)', collectList)
    .option('--metadata <key=value>', 'metadata (repeatable)', collectKeyValue)
    .option('--pool <id>', 'the pool to create in')
    .option('--wait', 'wait until it runs; exit 1 if it ends in error')
    .addOption(timeoutOption())
    .action(action((ctx, name: string, o: CreateOptions) => create(ctx, name, o)));

  vm.command('list')
    .description('list VMs (the API filters them)')
    .addOption(new Option('--state <state>', 'only VMs in this state').choices(VM_STATES))
    .option('--name <name>', 'only VMs of this name')
    .option('--metadata <key=value>', 'only VMs with this metadata (repeatable: all of them)', collectKeyValue)
    .action(
      action(async (ctx, o: { state?: string; name?: string; metadata?: Record<string, string> }) => {
        const query: Record<string, string> = {
          ...(o.state ? { state: o.state } : {}),
          ...(o.name ? { name: o.name } : {}),
          ...Object.fromEntries(Object.entries(o.metadata ?? {}).map(([k, v]) => [`metadata.${k}`, v])),
        };
        await ctx.print(await listAll(await ctx.client(), '/v1/vms', query), VM_COLUMNS);
      }),
    );

  vm.command('get')
    .description('show a VM')
    .argument('<id>')
    .action(action(async (ctx, id: string) => ctx.print(await getVm(ctx, id))));

  for (const verb of ['start', 'stop', 'reboot'] as const) {
    vm.command(verb)
      .description(`${verb} a VM: prints its operation (finished, with --wait)`)
      .argument('<id>')
      .option('--wait', 'wait for the operation to end; exit 1 if it failed')
      .addOption(timeoutOption())
      .action(
        action(async (ctx, id: string, o: { wait?: boolean; timeout: number }) => {
          const x = await ctx.client();
          const op = await x.POST('/v1/vms/{id}/actions', { params: { path: { id } }, body: { action: verb } });
          return finish(ctx, op as Operation, o);
        }),
      );
  }

  vm.command('delete')
    .description('delete a VM: prints its delete operation (finished, with --wait)')
    .argument('<id>')
    .option('--wait', 'wait until it is deleted; exit 1 if the delete failed')
    .addOption(timeoutOption())
    .action(
      action(async (ctx, id: string, o: { wait?: boolean; timeout: number }) => {
        const x = await ctx.client();
        const op = await x.DELETE('/v1/vms/{id}', { params: { path: { id } } });
        return finish(ctx, op as Operation, o);
      }),
    );

  vm.command('wait')
    .description('wait until a VM is in a state; prints it')
    .argument('<id>')
    .addOption(new Option('--for <state>', 'the state to wait for').choices(VM_STATES).default('running'))
    .addOption(timeoutOption())
    .action(
      action(async (ctx, id: string, o: { for: VmState; timeout: number }) =>
        waitAndPrint(ctx, [id], o.for, o.timeout, false),
      ),
    );

  vm.command('console')
    .description("print what the VM's console holds (its boot messages)")
    .argument('<id>')
    .addOption(new Option('--bytes <n>', 'at most this many of the latest bytes').argParser(intIn(1, 1_048_576)))
    .action(
      action(async (ctx, id: string, o: { bytes?: number }) => {
        const x = await ctx.client();
        const view = await x.GET('/v1/vms/{id}/console', {
          params: { path: { id }, query: o.bytes ? { bytes: o.bytes } : {} },
        });
        if (ctx.format === 'table') ctx.stdout.write(view.output.endsWith('\n') ? view.output : `${view.output}\n`);
        else await ctx.print(view);
      }),
    );

  vm.command('ssh')
    .description("ssh to the VM's first address (runs `ssh`, exits with its code)")
    .argument('<id>')
    .argument('[command...]', 'what to run there (after --)')
    .option('-l, --login <user>', 'the user to log in as')
    .option('-i, --identity <file>', 'the private key file')
    .option('--ssh-option <option>', 'an ssh -o option, e.g. StrictHostKeyChecking=no (repeatable)', collectList)
    .action(
      action(
        async (ctx, id: string, command: string[], o: { login?: string; identity?: string; sshOption?: string[] }) => {
          const vm = await getVm(ctx, id);
          const address = vm.addresses[0]?.ip;
          if (!address) throw new FailedError(`VM ${vm.name} (${vm.id}) has no address to ssh to`);
          return execSsh(sshArgs(address, command, o));
        },
      ),
    );
}

async function getVm(ctx: Context, id: string): Promise<Vm> {
  const x = await ctx.client();
  return x.GET('/v1/vms/{id}', { params: { path: { id } } });
}

async function create(ctx: Context, name: string, o: CreateOptions): Promise<number> {
  const x = await ctx.client();
  const sshKeys = [...(o.sshKey ?? []).map((f) => readPublicKey(f)), ...(o.keypair ?? [])];
  const created = await x.POST('/v1/vms', {
    body: {
      name,
      flavor: o.flavor,
      image: o.image,
      ...(o.count !== undefined ? { count: o.count } : {}),
      ...(o.ttl !== undefined ? { ttlSeconds: o.ttl } : {}),
      ...(sshKeys.length ? { sshKeys } : {}),
      ...(o.userData !== undefined ? { userData: o.userData } : {}),
      ...(o.network ? { networks: o.network } : {}),
      ...(o.metadata ? { metadata: o.metadata } : {}),
      ...(o.pool ? { poolId: o.pool } : {}),
    },
  });
  const ids = created.vms.map((v) => v.id);
  // one VM asked for: one object; --count given: an array, whatever the count (stable for scripts)
  const many = o.count !== undefined;
  if (!o.wait) {
    await ctx.print(many ? created.vms : created.vms[0]!, VM_COLUMNS);
    return EXIT.ok;
  }
  return waitAndPrint(ctx, ids, 'running', o.timeout, many);
}

/** Waits for every VM to reach `state` (each within the one deadline) and prints them. */
async function waitAndPrint(
  ctx: Context,
  ids: string[],
  state: VmState,
  timeoutMs: number,
  many: boolean,
): Promise<number> {
  const x = await ctx.client();
  const deadline = Date.now() + timeoutMs;
  const reached: Vm[] = [];
  for (const id of ids) {
    ctx.progress(`waiting for VM ${id} to be ${state} (up to ${formatDuration(timeoutMs)})`);
    const vm = await x
      .waitForVm(id, state, {
        timeoutMs: Math.max(1, deadline - Date.now()),
        onProgress: (v: Vm) => ctx.progress(`VM ${v.name}: ${v.state}`),
      })
      .catch(async (err: unknown) => {
        // the SDK names what was left of the deadline; the user asked for --timeout
        const { TimeoutError } = await import('@xenplane/sdk');
        throw err instanceof TimeoutError ? new TimeoutError(`VM ${id} ${state}: not within ${timeoutMs} ms`) : err;
      });
    reached.push(vm);
  }
  ctx.progressDone();
  await ctx.print(many ? reached : reached[0]!, VM_COLUMNS);
  return EXIT.ok;
}

/** Prints an operation, after waiting for its end with --wait; a failed one exits 1. */
export async function finish(ctx: Context, op: Operation, o: { wait?: boolean; timeout: number }): Promise<number> {
  if (!o.wait) {
    await ctx.print(op, OPERATION_COLUMNS);
    return EXIT.ok;
  }
  return watchOperation(ctx, await ctx.client(), op.id, o.timeout);
}

export async function watchOperation(ctx: Context, x: Xenplane, id: string, timeoutMs: number): Promise<number> {
  ctx.progress(`waiting for operation ${id}`);
  const done = await x.waitForOperation(id, { timeoutMs });
  ctx.progressDone();
  await ctx.print(done, OPERATION_COLUMNS);
  if (done.status === 'succeeded') return EXIT.ok;
  ctx.stderr.write(
    `xp: operation ${done.kind} ${done.status}${done.error ? `: ${done.error.code}: ${done.error.message}` : ''}\n`,
  );
  return EXIT.failed;
}

/** ssh's argument array: options, then the address, then the remote command. */
export function sshArgs(
  address: string,
  command: string[],
  o: { login?: string; identity?: string; sshOption?: string[] },
): string[] {
  return [
    ...(o.identity ? ['-i', o.identity] : []),
    ...(o.login ? ['-l', o.login] : []),
    ...(o.sshOption ?? []).flatMap((opt) => ['-o', opt]),
    address,
    ...command,
  ];
}

/** Runs ssh in the foreground, its stdio ours; resolves to the code `xp` exits with. */
function execSsh(args: string[]): Promise<number> {
  return new Promise((resolve, reject) => {
    const child = spawn('ssh', args, { stdio: 'inherit' });
    child.on('error', (err) => reject(new FailedError(`cannot run ssh: ${err.message}`)));
    // killed by a signal: the shell's convention, 128 + its number
    child.on('exit', (code, signal) => resolve(code ?? 128 + (signal ? constants.signals[signal] : 0)));
  });
}
