// Test double (unit tests of the xl driver's devices): not used by the agent.
import { execFileSync } from 'node:child_process';
import type { CommandResult, RunOptions, XlCommand } from '../drivers/xl/command';

const ok = (stdout = ''): CommandResult => ({ code: 0, stdout, stderr: '' });
const fail = (stderr: string): CommandResult => ({ code: 1, stdout: '', stderr });

/** losetup and dmsetup as a tiny dom0: loop devices and dm tables, every argument array recorded. */
export class FakeDom0 {
  readonly runs: string[] = [];
  readonly loops = new Map<string, string>(); // /dev/loopN -> back file
  readonly tables = new Map<string, string>(); // name -> table
  readonly suspended = new Set<string>();
  failCreate = false;
  private next = 0;

  readonly losetup: XlCommand = { run: (args, o) => this.answer('losetup', args, o) };
  readonly dmsetup: XlCommand = { run: (args, o) => this.answer('dmsetup', args, o) };
  readonly blkdiscard: XlCommand = { run: (args, o) => this.answer('blkdiscard', args, o) };

  private answer(tool: string, args: readonly string[], _o: RunOptions): Promise<CommandResult> {
    if (!Array.isArray(args)) throw new Error('an argument array, never a command line');
    this.runs.push([tool, ...args].join(' '));
    if (tool === 'blkdiscard') return Promise.resolve(this.blkdiscardDo(args));
    return Promise.resolve(tool === 'losetup' ? this.losetupDo(args) : this.dmsetupDo(args));
  }

  private losetupDo(args: readonly string[]): CommandResult {
    if (args[0] === '--list')
      return ok(
        [...this.loops]
          .map(([dev, file]) => `${dev} 7:${dev.replace('/dev/loop', '')} ${file.replace(/ /g, '\\x20')}`)
          .join('\n'),
      );
    if (args[0] === '--find') {
      const dev = `/dev/loop${this.next++}`;
      this.loops.set(dev, args[args.length - 1]!);
      return ok(`${dev}\n`);
    }
    if (args[0] === '-d') return this.loops.delete(args[1]!) ? ok() : fail('no such device');
    return fail(`unexpected ${args.join(' ')}`);
  }

  /**
   * `[--force] --zeroout --offset O --length L device`, on a file standing for the LUN: the range
   * reads as zeros after. As util-linux's (2.36+), it opens the device O_EXCL without --force,
   * which fails while a dm table maps any part of it (device-mapper holds the device).
   */
  private blkdiscardDo(args: readonly string[]): CommandResult {
    const force = args[0] === '--force';
    const [flag, , offset, , length, device] = force ? args.slice(1) : args;
    if (flag !== '--zeroout' || args.length !== (force ? 7 : 6)) return fail(`unexpected ${args.join(' ')}`);
    if (!force && [...this.tables.values()].some((t) => t.split(' ').includes(device!)))
      return fail(`blkdiscard: cannot open ${device}: Device or resource busy`);
    execFileSync('fallocate', ['--punch-hole', '--keep-size', '--offset', offset!, '--length', length!, device!]);
    return ok();
  }

  private dmsetupDo(args: readonly string[]): CommandResult {
    const [cmd, ...rest] = args;
    if (cmd === 'table')
      return ok(
        this.tables.size
          ? [...this.tables].map(([n, t]) => `${n}: ${t.replace(/\/dev\/loop(\d+)/g, '7:$1')}`).join('\n')
          : 'No devices found',
      );
    if (cmd === 'create') {
      if (this.failCreate) return fail('device-mapper: reload ioctl on xp failed: Invalid argument');
      this.tables.set(rest[0]!, rest[2]!);
      return ok();
    }
    if (cmd === 'remove') return this.tables.delete(rest[rest.length - 1]!) ? ok() : fail('No such device');
    if (cmd === 'suspend') return (this.suspended.add(rest[0]!), ok());
    if (cmd === 'resume') return (this.suspended.delete(rest[0]!), ok());
    return fail(`unexpected ${args.join(' ')}`);
  }
}
