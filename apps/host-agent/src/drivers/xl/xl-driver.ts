import { getLogger, stepIfTraced } from '@xenplane/observability';
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, statfsSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { type Domain, DomainEventType, type DomainSpec, DomainState, GuestType } from '@xenplane/proto';
import { AgentError, notFound } from '../../errors';
import { sleep } from '../../host/abortable';
import type { CallContext, DomainEventInput, HypervisorDriver } from '../driver';
import { configDriveOf } from '../config-drive';
import { UUID, validateDomainSpec } from '../spec-validation';
import { type DeviceCommands, DmDevices } from '../../storage/dm-devices';
import { HostStorage } from '../../storage/host-storage';
import { StorageLayout } from '../../storage/layout';
import { ProcessXlCommand, type XlCommand } from './command';
import { configDriveIsoPath, writeConfigDriveIso } from './config-drive-iso';
import { cpuFeaturesFromHwCaps, cpuVendorFromCpuinfo, inventoryFromXlInfo, parseXlInfo } from './parse-info';
import { parseXlList, parseXlListLong, type XlListRow } from './parse-list';
import { domainName, renderXlConfig } from './xl-config';
import { xlFailure } from './xl-errors';

export interface XlDriverOptions {
  command: XlCommand;
  /** configs, disks, saved images and the epoch book live here */
  workDir: string;
  /** where xenconsoled keeps guest consoles */
  logDir: string;
  /** losetup and dmsetup, for root disks of images (default: the real ones) */
  devices?: DeviceCommands;
  /** reads /proc/cpuinfo (injectable for tests) */
  readCpuinfo?: () => string;
  /** builds config drive images (default: `genisoimage` on PATH) */
  genisoimage?: XlCommand;
  /** the LUNs this host maps for shared storage pools (AGENT_SHARED_DEVICES) */
  sharedDevices?: readonly string[];
}

const log = getLogger('xl-driver');
/** how long removing a failed create's leftover domain may take (xl destroy is seconds under emulation) */
const HALF_MADE_CLEANUP_MS = 60_000;

const GUEST_TYPE: Record<string, GuestType> = {
  pv: GuestType.GUEST_TYPE_PV,
  pvh: GuestType.GUEST_TYPE_PVH,
  hvm: GuestType.GUEST_TYPE_HVM,
};

/**
 * The production driver: the real Xen toolstack through `xl`. Every call is an argument array
 * through one command adapter; every answer is parsed into typed results.
 */
export class XlDriver implements HypervisorDriver {
  readonly name = 'xl' as const;
  private readonly listeners: ((e: DomainEventInput) => void)[] = [];
  private readonly epochs: Record<string, number>;
  readonly storage: HostStorage;

  constructor(private readonly o: XlDriverOptions) {
    mkdirSync(join(o.workDir, 'saves'), { recursive: true });
    const layout = new StorageLayout(o.workDir);
    const devices = o.devices ?? {
      losetup: new ProcessXlCommand('losetup'),
      dmsetup: new ProcessXlCommand('dmsetup'),
      blkdiscard: new ProcessXlCommand('blkdiscard'),
    };
    this.storage = new HostStorage(
      layout,
      new DmDevices(devices, layout),
      {
        find: (vmId, ctx) => this.find(vmId, ctx),
        // `xl pause` itself, not pauseDomain: a pause for a copy is no state change to report
        pause: async (vmId, ctx) => void (await this.xl(['pause', domainName(vmId)], ctx)),
        unpause: async (vmId, ctx) => void (await this.xl(['unpause', domainName(vmId)], ctx)),
      },
      o.sharedDevices ?? [],
    );
    this.epochs = existsSync(this.epochFile)
      ? (JSON.parse(readFileSync(this.epochFile, 'utf8')) as Record<string, number>)
      : {};
  }

  onEvent(listener: (e: DomainEventInput) => void): void {
    this.listeners.push(listener);
  }

  async hostInfo(ctx: CallContext) {
    const inv = inventoryFromXlInfo(parseXlInfo(await this.xl(['info'], ctx)));
    const rows = parseXlList(await this.xl(['list'], ctx));
    const dom0 = rows.find((r) => r.domId === 0);
    const guestsMb = rows.filter((r) => r.domId !== 0).reduce((s, r) => s + r.memoryMb, 0);
    // everything that is neither free nor a guest is dom0's and Xen's; plus headroom for the
    // per-domain overhead of a full host
    const reserved = Math.max(0, inv.totalMemoryMb - inv.freeMemoryMb - guestsMb) + Math.ceil(inv.totalMemoryMb * 0.02);
    const fs = statfsSync(join(this.o.workDir, 'disks'));
    return {
      hostname: inv.hostname,
      xenVersion: inv.xenVersion,
      nrCpus: inv.nrCpus,
      coresPerSocket: inv.coresPerSocket,
      threadsPerCore: inv.threadsPerCore,
      nrNodes: inv.nrNodes,
      totalMemoryMb: inv.totalMemoryMb,
      freeMemoryMb: inv.freeMemoryMb,
      dom0MemoryMb: reserved,
      dom0Vcpus: dom0?.vcpus ?? 1,
      cpuVendor: cpuVendorFromCpuinfo((this.o.readCpuinfo ?? (() => readFileSync('/proc/cpuinfo', 'utf8')))()),
      cpuFeatures: cpuFeaturesFromHwCaps(inv.hwCaps),
      hvm: inv.hvm,
      hap: inv.hap,
      totalDiskGb: Math.floor((fs.blocks * fs.bsize) / 1024 ** 3),
      freeDiskGb: Math.floor((fs.bavail * fs.bsize) / 1024 ** 3),
      xenCaps: inv.xenCaps,
      xenScheduler: inv.xenScheduler,
    };
  }

  async listDomains(ctx: CallContext): Promise<Domain[]> {
    const [rows, details] = await Promise.all([this.xl(['list'], ctx), this.xl(['list', '-l'], ctx)]);
    const byDomId = new Map(parseXlListLong(details).map((d) => [d.domId, d]));
    return parseXlList(rows)
      .filter((r) => r.domId !== 0)
      .flatMap((r) => {
        const d = byDomId.get(r.domId);
        // only domains this agent made: named by their VM id
        if (!d || d.name !== domainName(d.uuid)) return [];
        return [this.view(r, d.uuid, d.type, d.maxMemoryMb, d.maxVcpus)];
      });
  }

  async getDomain(vmId: string, ctx: CallContext): Promise<Domain> {
    const found = (await this.listDomains(ctx)).find((d) => d.vmId === vmId);
    if (!found) throw notFound(vmId);
    return found;
  }

  async createDomain(raw: DomainSpec, startPaused: boolean, ctx: CallContext): Promise<Domain> {
    // validated before anything reaches xl: a bad spec is invalid_argument whatever xl is doing
    const valid = validateDomainSpec(raw);
    const existing = await this.find(valid.vmId, ctx);
    if (existing) return existing;
    // a disk the agent makes is raw (a blank sparse file, or a dm snapshot over a raw image)
    const spec = { ...valid, disks: valid.disks.map((d) => (d.target ? d : { ...d, format: 'raw' })) };
    const disks = await stepIfTraced('storage.prepare', () => this.storage.prepareDisks(spec, ctx));
    const configDrive = await this.prepareConfigDrive(spec, ctx);
    const file = this.storage.layout.xlConfig(spec.vmId);
    writeFileSync(
      file,
      renderXlConfig(spec, {
        diskTargets: disks.map((d) => d.target),
        blockDevices: disks.map((d) => d.blockDevice),
        ...(configDrive ? { configDrive } : {}),
      }),
    );
    this.setEpoch(spec.vmId, spec.epoch);
    try {
      await this.xl(startPaused ? ['create', '-p', file] : ['create', file], ctx);
    } catch (err) {
      await this.removeHalfMade(spec.vmId, ctx);
      throw err;
    }
    // the domain seen running (or paused, as asked) by the toolstack
    const dom = await stepIfTraced('guest.boot', () => this.getDomain(spec.vmId, ctx));
    this.emit(dom, DomainEventType.DOMAIN_EVENT_TYPE_CREATED);
    if (!startPaused) this.emit(dom, DomainEventType.DOMAIN_EVENT_TYPE_RUNNING);
    return dom;
  }

  async prepareIncoming(raw: DomainSpec, ctx: CallContext): Promise<{ diskPaths: string[] }> {
    const spec = validateDomainSpec(raw);
    const disks = await this.storage.prepareIncoming(spec, ctx);
    await this.prepareConfigDrive(spec, ctx);
    return { diskPaths: disks.map((d) => d.target) };
  }

  /**
   * A create that failed or was cut short (its caller's deadline kills xl) may leave the domain
   * half made under the VM's name: a retry's `xl create` would then fail on it ("cannot make
   * domain", seen on Xen 4.17 under load). Destroyed before answering, on a deadline of its own
   * (the call's may be over), so a failed create leaves nothing behind.
   */
  private async removeHalfMade(vmId: string, ctx: CallContext): Promise<void> {
    const own: CallContext = { ...ctx, signal: AbortSignal.timeout(HALF_MADE_CLEANUP_MS) };
    try {
      if (await this.find(vmId, own)) await this.destroyDomain(vmId, own);
    } catch (err) {
      log.warn({ vmId, err: (err as Error).message }, 'could not remove the domain a failed create left');
    }
  }

  async shutdownDomain(vmId: string, timeoutSeconds: number, force: boolean, ctx: CallContext) {
    const dom = await this.find(vmId, ctx);
    if (!dom) return { forced: false, existed: false };
    // `xl shutdown -w` waits for the guest; our own timeout decides when to stop waiting
    const waited = await this.run(['shutdown', '-w', domainName(vmId)], ctx, timeoutSeconds * 1000);
    if (waited.code === 0 && !(await this.find(vmId, ctx))) {
      this.emit(dom, DomainEventType.DOMAIN_EVENT_TYPE_SHUTDOWN, 'poweroff');
      await this.storage.devices.detach(vmId, ctx);
      return { forced: false, existed: true };
    }
    if (!force)
      throw new AgentError(
        'deadline_exceeded',
        `domain ${domainName(vmId)} did not shut down within ${timeoutSeconds}s`,
      );
    await this.destroyDomain(vmId, ctx);
    return { forced: true, existed: true };
  }

  async destroyDomain(vmId: string, ctx: CallContext, purgeStorage = false) {
    // the id names files to purge: only a whole VM id may (never a prefix of several)
    if (!UUID.test(vmId)) throw new AgentError('invalid_argument', 'vm_id: must be a lowercase UUID');
    const dom = await this.find(vmId, ctx);
    if (dom) {
      const r = await this.run(['destroy', domainName(vmId)], ctx);
      if (r.code !== 0) {
        const err = xlFailure(['destroy'], r);
        // a guest that was powering itself off is torn down by xl meanwhile, and destroy then
        // fails on devices already gone (seen on the real Xen 4.17): gone is what was asked
        if (err.code !== 'not_found' && (await this.find(vmId, ctx))) throw err;
      } else this.emit(dom, DomainEventType.DOMAIN_EVENT_TYPE_DESTROYED);
    }
    // devices are taken down with the domain and assembled again at its next create
    if (purgeStorage) await this.purge(vmId, ctx);
    else await this.storage.devices.detach(vmId, ctx);
    return { existed: dom !== undefined };
  }

  async rebootDomain(vmId: string, ctx: CallContext): Promise<Domain> {
    const before = await this.getDomain(vmId, ctx);
    await this.xl(['reboot', domainName(vmId)], ctx);
    // xl rebuilds a rebooting guest as a new domain: wait for the new domid
    for (;;) {
      await sleep(250, ctx.signal);
      const now = await this.find(vmId, ctx);
      if (now && now.domId !== before.domId && now.state !== DomainState.DOMAIN_STATE_SHUTDOWN) {
        this.emit(now, DomainEventType.DOMAIN_EVENT_TYPE_REBOOTED);
        return now;
      }
    }
  }

  async pauseDomain(vmId: string, ctx: CallContext): Promise<Domain> {
    await this.require(vmId, ctx);
    await this.xl(['pause', domainName(vmId)], ctx);
    const dom = await this.getDomain(vmId, ctx);
    this.emit(dom, DomainEventType.DOMAIN_EVENT_TYPE_PAUSED);
    return dom;
  }

  async unpauseDomain(vmId: string, ctx: CallContext): Promise<Domain> {
    await this.require(vmId, ctx);
    await this.xl(['unpause', domainName(vmId)], ctx);
    const dom = await this.getDomain(vmId, ctx);
    this.emit(dom, DomainEventType.DOMAIN_EVENT_TYPE_UNPAUSED);
    return dom;
  }

  async setMemory(vmId: string, memoryMb: number, ctx: CallContext): Promise<Domain> {
    const dom = await this.require(vmId, ctx);
    if (!Number.isInteger(memoryMb) || memoryMb < 16)
      throw new AgentError('invalid_argument', 'memory_mb must be at least 16');
    if (memoryMb > dom.maxMemoryMb)
      throw new AgentError('invalid_argument', `memory_mb ${memoryMb} exceeds maxmem ${dom.maxMemoryMb}`);
    await this.xl(['mem-set', domainName(vmId), `${memoryMb}m`], ctx);
    const after = await this.getDomain(vmId, ctx);
    this.emit(after, DomainEventType.DOMAIN_EVENT_TYPE_MEMORY_CHANGED);
    return after;
  }

  async setVcpus(vmId: string, vcpus: number, ctx: CallContext): Promise<Domain> {
    const dom = await this.require(vmId, ctx);
    if (!Number.isInteger(vcpus) || vcpus < 1 || vcpus > dom.maxVcpus)
      throw new AgentError('invalid_argument', `vcpus must be 1..${dom.maxVcpus} (maxvcpus)`);
    await this.xl(['vcpu-set', domainName(vmId), String(vcpus)], ctx);
    return this.getDomain(vmId, ctx);
  }

  async pinVcpu(vmId: string, vcpu: number, cpus: string, ctx: CallContext): Promise<Domain> {
    await this.require(vmId, ctx);
    if (!/^(all|\d{1,4}(-\d{1,4})?(,\d{1,4}(-\d{1,4})?)*)$/.test(cpus))
      throw new AgentError('invalid_argument', 'cpus must be a cpu list like 0-3,6');
    if (!Number.isInteger(vcpu) || vcpu < -1)
      throw new AgentError('invalid_argument', 'vcpu must be a vcpu number or -1 for all');
    await this.xl(['vcpu-pin', domainName(vmId), vcpu === -1 ? 'all' : String(vcpu), cpus], ctx);
    return this.getDomain(vmId, ctx);
  }

  async saveDomain(vmId: string, name: string, ctx: CallContext) {
    await this.require(vmId, ctx);
    const file = join(this.o.workDir, 'saves', name);
    await this.xl(['save', domainName(vmId), file], ctx);
    return { name, sizeBytes: statSync(file).size };
  }

  async restoreDomain(vmId: string, name: string, ctx: CallContext): Promise<Domain> {
    const file = join(this.o.workDir, 'saves', name);
    if (!existsSync(file)) throw new AgentError('not_found', `no saved image ${name}`);
    if (await this.find(vmId, ctx)) throw new AgentError('already_exists', `vm ${vmId} already has a domain here`);
    await this.xl(['restore', file], ctx);
    const dom = await this.getDomain(vmId, ctx);
    rmSync(file, { force: true });
    this.emit(dom, DomainEventType.DOMAIN_EVENT_TYPE_RUNNING, 'restored');
    return dom;
  }

  /** The guest's console as xenconsoled logged it: no interactive console is ever opened. */
  async consoleLog(vmId: string, maxBytes: number, ctx: CallContext) {
    await this.require(vmId, ctx);
    const limit = maxBytes > 0 ? maxBytes : 65_536;
    for (const file of [
      join(this.o.logDir, 'console', `guest-${domainName(vmId)}.log`),
      join(this.o.logDir, `guest-${domainName(vmId)}.log`),
    ]) {
      if (!existsSync(file)) continue;
      const data = readFileSync(file);
      return data.length > limit
        ? { data: data.subarray(data.length - limit), truncated: true }
        : { data, truncated: false };
    }
    return { data: Buffer.alloc(0), truncated: false };
  }

  epochOf(vmId: string): number {
    return this.epochs[vmId] ?? 0;
  }

  setEpoch(vmId: string, epoch: number): void {
    this.epochs[vmId] = epoch;
    const tmp = `${this.epochFile}.tmp`;
    writeFileSync(tmp, JSON.stringify(this.epochs));
    renameSync(tmp, this.epochFile);
  }

  /** Runs xl; a non-zero exit is an AgentError carrying xl's own words. */
  async xl(args: string[], ctx: CallContext, timeoutMs?: number): Promise<string> {
    const r = await this.run(args, ctx, timeoutMs);
    if (r.code !== 0) throw xlFailure(args, r);
    return r.stdout;
  }

  private run(args: string[], ctx: CallContext, timeoutMs?: number) {
    return this.o.command.run(args, { signal: ctx.signal, ...(timeoutMs ? { timeoutMs } : {}) });
  }

  private get epochFile(): string {
    return join(this.o.workDir, 'epochs.json');
  }

  private async find(vmId: string, ctx: CallContext): Promise<Domain | undefined> {
    return (await this.listDomains(ctx)).find((d) => d.vmId === vmId);
  }

  private async require(vmId: string, ctx: CallContext): Promise<Domain> {
    const dom = await this.find(vmId, ctx);
    if (!dom) throw notFound(vmId);
    return dom;
  }

  /**
   * The VM's config drive image, rebuilt at every create from the spec (a start after a rename
   * or a new key gets the new contents); none, and no stale image, when the spec has no drive.
   * Purged with the VM's other files (configs/<vmId>-...).
   */
  private async prepareConfigDrive(spec: DomainSpec, ctx: CallContext): Promise<string | undefined> {
    const iso = configDriveIsoPath(this.o.workDir, spec.vmId);
    const drive = configDriveOf(spec);
    if (!drive) {
      rmSync(iso, { force: true });
      return undefined;
    }
    await writeConfigDriveIso(drive, iso, this.o.genisoimage ?? new ProcessXlCommand('genisoimage'), ctx.signal);
    return iso;
  }

  private async purge(vmId: string, ctx: CallContext): Promise<void> {
    await this.storage.purge(vmId, ctx);
    delete this.epochs[vmId];
  }

  private view(r: XlListRow, uuid: string, type: string, maxMemoryMb: number, maxVcpus: number): Domain {
    return {
      vmId: uuid,
      name: r.name,
      domId: r.domId,
      state: r.state,
      guestType: GUEST_TYPE[type] ?? GuestType.GUEST_TYPE_UNSPECIFIED,
      memoryMb: r.memoryMb,
      maxMemoryMb: maxMemoryMb || r.memoryMb,
      vcpus: r.vcpus,
      maxVcpus: maxVcpus || r.vcpus,
      cpuTimeSeconds: r.cpuTimeSeconds,
      epoch: this.epochOf(uuid),
      startedAt: undefined,
      vifs: [],
    };
  }

  /** Reports a change made outside the driver's own calls (a migration in or out). */
  announce(dom: Domain, type: DomainEventType, reason?: string): void {
    this.emit(dom, type, reason);
  }

  private emit(dom: Domain, type: DomainEventType, reason?: string): void {
    for (const l of this.listeners)
      l({ vmId: dom.vmId, domId: dom.domId, type, domain: dom, ...(reason ? { reason } : {}) });
  }
}
