import { stepIfTraced } from '@xenplane/observability';
import {
  type Domain,
  DomainEventType,
  type DomainLife,
  DomainSpec,
  DomainState,
  FaultKind,
  GuestType,
} from '@xenplane/proto';
import { AgentError, notFound } from '../../errors';
import { hang, sleep } from '../../host/abortable';
import type { CallContext, DomainEventInput, HypervisorDriver } from '../driver';
import { validateDomainSpec } from '../spec-validation';
import { FileDevices } from '../../storage/block-devices';
import { HostStorage } from '../../storage/host-storage';
import { StorageLayout } from '../../storage/layout';
import { FaultBook } from './faults';
import { domainOverheadMb, reservedMemoryMb, type SimConfig } from './sim-config';
import { bootLines, recordBoot, type RootDiskBoots } from './sim-guest';
import type { PersistedDomain, SimJournal } from './sim-journal';

interface SimDomain {
  vmId: string;
  name: string;
  domId: number;
  state: DomainState;
  guestType: GuestType;
  memoryMb: number;
  maxMemoryMb: number;
  vcpus: number;
  maxVcpus: number;
  epoch: number;
  startedAt: Date;
  spec: DomainSpec;
  pins: Map<number, string>;
  console: string[];
  life: DomainLife;
  built: boolean;
}

interface SavedImage {
  spec: DomainSpec;
  memoryMb: number;
  vcpus: number;
  epoch: number;
}

/**
 * A simulated Xen host that behaves like one to its callers: dom0 and Xen keep their memory,
 * domain ids only grow, every domain costs Xen some overhead, creates and shutdowns take time,
 * a full host refuses a create the way xl does, and it remembers every domain's life.
 */
export class SimDriver implements HypervisorDriver {
  readonly name = 'sim' as const;
  readonly faults = new FaultBook();
  private readonly domains = new Map<string, SimDomain>();
  private readonly saved = new Map<string, SavedImage>();
  private readonly lives: DomainLife[] = [];
  private readonly listeners: ((e: DomainEventInput) => void)[] = [];
  private nextDomId = 1;
  /** its disks are real (sparse) files under storageDir: the layout the xl driver uses */
  readonly storage: HostStorage;

  constructor(
    readonly config: SimConfig,
    storageDir: string,
    private readonly journal?: SimJournal,
  ) {
    // a copy needs no pause here: nothing writes a simulated guest's disk while it runs
    this.storage = new HostStorage(
      new StorageLayout(storageDir),
      new FileDevices(),
      {
        find: (vmId) => Promise.resolve(this.domains.has(vmId) ? view(this.domains.get(vmId)!) : undefined),
        pause: () => Promise.resolve(),
        unpause: () => Promise.resolve(),
      },
      config.sharedDevices ?? [],
    );
    if (journal) this.restore(journal);
  }

  /**
   * The hypervisor outlives its agent: domains come back from the journal. One that was still
   * being built when the agent died is gone (the control plane's retry builds it again). But
   * an agent gone for longer than its watchdog's timeout had its host reset by the watchdog
   * (as XenServer's HA does to a host whose daemon died): every domain ended then.
   */
  private restore(journal: SimJournal): void {
    const state = journal.load();
    this.nextDomId = state.nextDomId;
    this.lives.push(...state.lives);
    const kick = journal.lastKick();
    const resetAt =
      kick && kick.timeoutMs > 0 && Date.now() - kick.at > kick.timeoutMs
        ? new Date(kick.at + kick.timeoutMs)
        : undefined;
    for (const p of state.domains) {
      const life = this.lives.find((l) => l.vmId === p.vmId && l.domId === p.domId) ?? {
        vmId: p.vmId,
        domId: p.domId,
        epoch: p.epoch,
        createdAt: new Date(p.startedAt),
        endedAt: undefined,
        endReason: '',
      };
      if (resetAt || !p.built) {
        life.endedAt = resetAt ?? new Date();
        life.endReason = resetAt ? 'watchdog_reset' : 'create_aborted';
        if (!this.lives.includes(life)) this.lives.push(life);
        continue;
      }
      this.domains.set(p.vmId, {
        ...p,
        spec: DomainSpec.fromJSON(p.spec),
        name: `xp-${p.vmId}`,
        startedAt: new Date(p.startedAt),
        pins: new Map(),
        console: [],
        life,
      });
    }
    journal.compact({
      nextDomId: this.nextDomId,
      domains: [...this.domains.values()].map(persisted),
      lives: this.lives,
    });
  }

  onEvent(listener: (e: DomainEventInput) => void): void {
    this.listeners.push(listener);
  }

  async hostInfo(ctx: CallContext) {
    await this.slow(ctx);
    const c = this.config;
    return {
      hostname: c.hostname,
      xenVersion: c.xenVersion,
      nrCpus: c.nrCpus,
      coresPerSocket: c.nrCpus,
      threadsPerCore: 1,
      nrNodes: 1,
      totalMemoryMb: c.totalMemoryMb,
      freeMemoryMb: this.freeMemoryMb(),
      dom0MemoryMb: reservedMemoryMb(c),
      dom0Vcpus: c.dom0Vcpus,
      cpuVendor: c.cpuVendor,
      cpuFeatures: c.cpuFeatures,
      hvm: c.hvm,
      hap: c.hap,
      totalDiskGb: c.totalDiskGb,
      freeDiskGb: c.totalDiskGb - this.usedDiskGb(),
      xenCaps: c.hvm ? 'xen-3.0-x86_64 hvm-3.0-x86_32 hvm-3.0-x86_64' : 'xen-3.0-x86_64',
      xenScheduler: 'credit2',
    };
  }

  async listDomains(ctx: CallContext): Promise<Domain[]> {
    await this.slow(ctx);
    return [...this.domains.values()].map((d) => view(d));
  }

  async getDomain(vmId: string, ctx: CallContext): Promise<Domain> {
    await this.slow(ctx);
    return view(this.find(vmId), true);
  }

  async prepareIncoming(raw: DomainSpec, ctx: CallContext): Promise<{ diskPaths: string[] }> {
    await this.slow(ctx);
    const disks = await this.storage.prepareIncoming(validateDomainSpec(raw), ctx);
    return { diskPaths: disks.map((d) => d.target) };
  }

  async createDomain(raw: DomainSpec, startPaused: boolean, ctx: CallContext): Promise<Domain> {
    await this.slow(ctx);
    const existing = this.domains.get(raw.vmId);
    if (existing) return view(existing, true);
    const spec = validateDomainSpec(raw);
    if (spec.guestType === GuestType.GUEST_TYPE_HVM && !this.config.hvm) {
      throw new AgentError(
        'failed_precondition',
        "HVM guests need hardware virtualization: hvm is not in this host's virt_caps",
      );
    }
    if (spec.guestType === GuestType.GUEST_TYPE_PVH && !this.config.hap) {
      throw new AgentError(
        'failed_precondition',
        "PVH guests need hardware-assisted paging: hap is not in this host's virt_caps",
      );
    }
    this.ensureMemory(spec.memoryMb);
    if (this.faults.take(FaultKind.FAULT_KIND_CREATE_FAIL, spec.vmId)) {
      throw new AgentError(
        'internal',
        `libxl: error: libxl_create.c: domain ${spec.vmId}: domain creation failed (simulated fault)`,
      );
    }
    if (this.faults.take(FaultKind.FAULT_KIND_CREATE_HANG, spec.vmId)) await hang(ctx.signal);
    // made once per VM and device, before the domain: a missing image fails the create cleanly
    await stepIfTraced('storage.prepare', () => this.storage.prepareDisks(spec, ctx));
    // the domain exists (paused, being built) from the start: its memory is taken at once
    const dom = this.newDomain(spec, spec.memoryMb, spec.vcpus, spec.epoch);
    try {
      await stepIfTraced('guest.boot', () => sleep(this.config.bootMs, ctx.signal));
    } catch (err) {
      this.remove(dom, 'create_aborted');
      throw err;
    }
    dom.built = true;
    this.emit(dom, DomainEventType.DOMAIN_EVENT_TYPE_CREATED);
    if (!startPaused) {
      dom.state = DomainState.DOMAIN_STATE_RUNNING;
      dom.console.push(...this.boot(dom));
      this.emit(dom, DomainEventType.DOMAIN_EVENT_TYPE_RUNNING);
    }
    this.save(dom);
    return view(dom, true);
  }

  async shutdownDomain(vmId: string, timeoutSeconds: number, force: boolean, ctx: CallContext) {
    await this.slow(ctx);
    const dom = this.domains.get(vmId);
    if (!dom) return { forced: false, existed: false };
    const ignored = this.faults.take(FaultKind.FAULT_KIND_SHUTDOWN_IGNORED, vmId);
    const guestMs = ignored ? Number.POSITIVE_INFINITY : this.config.shutdownMs;
    const timeoutMs = timeoutSeconds > 0 ? timeoutSeconds * 1000 : Number.POSITIVE_INFINITY;
    if (guestMs <= timeoutMs) {
      await sleep(guestMs, ctx.signal);
      this.emit(dom, DomainEventType.DOMAIN_EVENT_TYPE_SHUTDOWN, 'poweroff');
      this.remove(dom, 'shutdown');
      return { forced: false, existed: true };
    }
    if (Number.isFinite(timeoutMs)) await sleep(timeoutMs, ctx.signal);
    else await hang(ctx.signal);
    if (!force)
      throw new AgentError('deadline_exceeded', `domain ${dom.name} did not shut down within ${timeoutSeconds}s`);
    this.remove(dom, 'destroyed');
    return { forced: true, existed: true };
  }

  async destroyDomain(vmId: string, ctx: CallContext, purgeStorage = false) {
    await this.slow(ctx);
    const dom = this.domains.get(vmId);
    if (!dom) {
      if (purgeStorage) await this.storage.purge(vmId, ctx);
      return { existed: false };
    }
    if (this.faults.take(FaultKind.FAULT_KIND_DESTROY_FAIL, vmId)) {
      throw new AgentError(
        'internal',
        `libxl: error: libxl_domain.c: unable to destroy guest ${dom.domId} (simulated fault)`,
      );
    }
    this.remove(dom, 'destroyed');
    if (purgeStorage) await this.storage.purge(vmId, ctx);
    return { existed: true };
  }

  async rebootDomain(vmId: string, ctx: CallContext): Promise<Domain> {
    await this.slow(ctx);
    const old = this.find(vmId);
    await sleep(this.config.shutdownMs + this.config.bootMs, ctx.signal);
    // xl restarts a rebooting guest as a new domain: new domid, same everything else
    this.remove(old, 'rebooted');
    const dom = this.newDomain(old.spec, old.memoryMb, old.vcpus, old.epoch);
    // xenconsoled keeps appending to the same guest log across a reboot
    dom.console.push(...old.console, ...this.boot(dom));
    this.markRunning(dom);
    this.emit(dom, DomainEventType.DOMAIN_EVENT_TYPE_REBOOTED);
    return view(dom);
  }

  async pauseDomain(vmId: string, ctx: CallContext): Promise<Domain> {
    await this.slow(ctx);
    const dom = this.find(vmId);
    dom.state = DomainState.DOMAIN_STATE_PAUSED;
    this.save(dom);
    this.emit(dom, DomainEventType.DOMAIN_EVENT_TYPE_PAUSED);
    return view(dom);
  }

  async unpauseDomain(vmId: string, ctx: CallContext): Promise<Domain> {
    await this.slow(ctx);
    const dom = this.find(vmId);
    dom.state = DomainState.DOMAIN_STATE_RUNNING;
    // a domain created paused boots when it first runs
    if (!dom.console.length) dom.console.push(...this.boot(dom));
    this.save(dom);
    this.emit(dom, DomainEventType.DOMAIN_EVENT_TYPE_UNPAUSED);
    return view(dom);
  }

  /** Ballooning, within what the domain was built with (maxmem). */
  async setMemory(vmId: string, memoryMb: number, ctx: CallContext): Promise<Domain> {
    await this.slow(ctx);
    const dom = this.find(vmId);
    if (!Number.isInteger(memoryMb) || memoryMb < 16)
      throw new AgentError('invalid_argument', 'memory_mb must be at least 16');
    if (memoryMb > dom.maxMemoryMb)
      throw new AgentError('invalid_argument', `memory_mb ${memoryMb} exceeds maxmem ${dom.maxMemoryMb}`);
    if (memoryMb > dom.memoryMb) this.ensureMemory(memoryMb - dom.memoryMb, true);
    dom.memoryMb = memoryMb;
    this.save(dom);
    this.emit(dom, DomainEventType.DOMAIN_EVENT_TYPE_MEMORY_CHANGED);
    return view(dom);
  }

  async setVcpus(vmId: string, vcpus: number, ctx: CallContext): Promise<Domain> {
    await this.slow(ctx);
    const dom = this.find(vmId);
    if (!Number.isInteger(vcpus) || vcpus < 1 || vcpus > dom.maxVcpus) {
      throw new AgentError('invalid_argument', `vcpus must be 1..${dom.maxVcpus} (maxvcpus)`);
    }
    dom.vcpus = vcpus;
    this.save(dom);
    return view(dom);
  }

  async pinVcpu(vmId: string, vcpu: number, cpus: string, ctx: CallContext): Promise<Domain> {
    await this.slow(ctx);
    const dom = this.find(vmId);
    if (vcpu !== -1 && (vcpu < 0 || vcpu >= dom.vcpus))
      throw new AgentError('invalid_argument', `vcpu ${vcpu} does not exist`);
    const top = Math.max(...cpus.split(/[,-]/).map(Number));
    if (!/^\d+(-\d+)?(,\d+(-\d+)?)*$/.test(cpus) || top >= this.config.nrCpus) {
      throw new AgentError('invalid_argument', `cpus ${cpus} is not a list of this host's ${this.config.nrCpus} cpus`);
    }
    dom.pins.set(vcpu, cpus);
    return view(dom);
  }

  async saveDomain(vmId: string, name: string, ctx: CallContext) {
    await this.slow(ctx);
    const dom = this.find(vmId);
    await sleep(Math.ceil((dom.memoryMb / this.config.migrationMbps) * 1000), ctx.signal);
    this.saved.set(name, { spec: dom.spec, memoryMb: dom.memoryMb, vcpus: dom.vcpus, epoch: dom.epoch });
    this.remove(dom, 'saved');
    return { name, sizeBytes: dom.memoryMb * 1024 * 1024 };
  }

  async restoreDomain(vmId: string, name: string, ctx: CallContext): Promise<Domain> {
    await this.slow(ctx);
    const image = this.saved.get(name);
    if (!image || image.spec.vmId !== vmId) throw new AgentError('not_found', `no saved image ${name} of vm ${vmId}`);
    if (this.domains.has(vmId)) throw new AgentError('already_exists', `vm ${vmId} already has a domain here`);
    this.ensureMemory(image.memoryMb);
    await sleep(Math.ceil((image.memoryMb / this.config.migrationMbps) * 1000), ctx.signal);
    const dom = this.newDomain(image.spec, image.memoryMb, image.vcpus, image.epoch);
    this.markRunning(dom);
    this.saved.delete(name);
    this.emit(dom, DomainEventType.DOMAIN_EVENT_TYPE_RUNNING, 'restored');
    return view(dom);
  }

  async consoleLog(vmId: string, maxBytes: number, ctx: CallContext) {
    await this.slow(ctx);
    const data = Buffer.from(this.find(vmId).console.join('\n') + '\n');
    const limit = maxBytes > 0 ? maxBytes : 65_536;
    return data.length > limit
      ? { data: data.subarray(data.length - limit), truncated: true }
      : { data, truncated: false };
  }

  /**
   * The agent is alive: its host's watchdog will not reset it for another timeoutMs (the fence
   * timeout: an agent that dies is as good as cut off, and its host must not keep protected
   * domains longer than a cut-off one would).
   */
  kickWatchdog(timeoutMs: number): void {
    this.journal?.kickWatchdog(timeoutMs);
  }

  /** The host dies: every domain is gone at once. */
  die(): void {
    for (const dom of [...this.domains.values()]) this.remove(dom, 'host_dead');
  }

  /** Adopts a domain arriving by migration (already accounted for by the caller's checks). */
  receive(spec: DomainSpec, memoryMb: number, vcpus: number, epoch: number): Domain {
    const dom = this.newDomain(spec, memoryMb, vcpus, epoch);
    this.markRunning(dom);
    this.emit(dom, DomainEventType.DOMAIN_EVENT_TYPE_MIGRATED_IN);
    return view(dom);
  }

  /** Lets a domain go after migrating it out. */
  release(vmId: string): void {
    const dom = this.domains.get(vmId);
    if (dom) this.remove(dom, 'migrated_out');
  }

  snapshot(vmId: string): { spec: DomainSpec; memoryMb: number; vcpus: number; epoch: number } {
    const d = this.find(vmId);
    return { spec: d.spec, memoryMb: d.memoryMb, vcpus: d.vcpus, epoch: d.epoch };
  }

  ensureMemory(memoryMb: number, balloon = false): void {
    const need = memoryMb + (balloon ? 0 : domainOverheadMb(memoryMb));
    const free = this.freeMemoryMb();
    if (need > free) {
      throw new AgentError(
        'resource_exhausted',
        `libxl: error: libxl_create.c: failed to free memory for the domain (need ${need} MB, ${free} MB free)`,
      );
    }
  }

  history(vmId?: string): DomainLife[] {
    return this.lives.filter((l) => !vmId || l.vmId === vmId);
  }

  freeMemoryMb(): number {
    let used = this.config.dom0MemoryMb + this.config.xenReservedMb;
    for (const d of this.domains.values()) used += d.memoryMb + domainOverheadMb(d.maxMemoryMb);
    return Math.max(0, this.config.totalMemoryMb - used);
  }

  private usedDiskGb(): number {
    let used = 0;
    for (const d of this.domains.values()) for (const disk of d.spec.disks) used += disk.sizeGb;
    return used;
  }

  private newDomain(spec: DomainSpec, memoryMb: number, vcpus: number, epoch: number): SimDomain {
    const life: DomainLife = {
      vmId: spec.vmId,
      domId: this.nextDomId,
      epoch,
      createdAt: new Date(),
      endedAt: undefined,
      endReason: '',
    };
    const dom: SimDomain = {
      vmId: spec.vmId,
      name: `xp-${spec.vmId}`,
      domId: this.nextDomId++,
      state: DomainState.DOMAIN_STATE_PAUSED,
      guestType: spec.guestType,
      memoryMb,
      maxMemoryMb: spec.maxMemoryMb || memoryMb,
      vcpus,
      maxVcpus: spec.maxVcpus || vcpus,
      epoch,
      startedAt: life.createdAt!,
      spec,
      pins: new Map(),
      console: [],
      life,
      built: false,
    };
    this.domains.set(spec.vmId, dom);
    this.lives.push(life);
    this.journal?.put(persisted(dom), life);
    return dom;
  }

  /**
   * The guest boots: it reads and extends the boot record on its root disk (the agent's disk
   * file of the first device, when the agent made it), and its console says what it found.
   */
  private boot(dom: SimDomain): string[] {
    const root = dom.spec.disks[0];
    let found: RootDiskBoots | undefined;
    const file = root && !root.target && this.storage.disks.diskOf(dom.vmId, root.vdev);
    if (root && file) found = { vdev: root.vdev, boots: recordBoot(file.file, new Date()) };
    return bootLines(dom.spec, dom.name, found);
  }

  private markRunning(dom: SimDomain): void {
    dom.state = DomainState.DOMAIN_STATE_RUNNING;
    dom.built = true;
    this.save(dom);
  }

  private save(dom: SimDomain): void {
    this.journal?.put(persisted(dom));
  }

  private remove(dom: SimDomain, reason: string): void {
    if (this.domains.get(dom.vmId) !== dom) return;
    this.domains.delete(dom.vmId);
    dom.life.endedAt = new Date();
    dom.life.endReason = reason;
    this.journal?.del(dom.vmId, dom.life);
    if (reason !== 'rebooted') this.emit(dom, DomainEventType.DOMAIN_EVENT_TYPE_DESTROYED, reason);
  }

  private find(vmId: string): SimDomain {
    const dom = this.domains.get(vmId);
    if (!dom) throw notFound(vmId);
    return dom;
  }

  private emit(dom: SimDomain, type: DomainEventType, reason?: string): void {
    const e: DomainEventInput = {
      vmId: dom.vmId,
      domId: dom.domId,
      type,
      domain: view(dom),
      ...(reason ? { reason } : {}),
    };
    for (const l of this.listeners) l(e);
  }

  private async slow(ctx: CallContext): Promise<void> {
    const f = this.faults.active(FaultKind.FAULT_KIND_SLOW);
    if (f) await sleep(f.delayMs, ctx.signal);
  }
}

function persisted(d: SimDomain): PersistedDomain {
  return {
    vmId: d.vmId,
    domId: d.domId,
    state: d.state,
    guestType: d.guestType,
    memoryMb: d.memoryMb,
    maxMemoryMb: d.maxMemoryMb,
    vcpus: d.vcpus,
    maxVcpus: d.maxVcpus,
    epoch: d.epoch,
    startedAt: d.startedAt.toISOString(),
    // its protobuf JSON form: bytes (user-data) as base64, read back by DomainSpec.fromJSON
    spec: DomainSpec.toJSON(d.spec),
    built: d.built,
  };
}

/** A domain as the protocol shows it; its vifs only where asked for (GetDomain, CreateDomain), as the proto says. */
function view(d: SimDomain, withVifs = false): Domain {
  return {
    vmId: d.vmId,
    name: d.name,
    domId: d.domId,
    state: d.state,
    guestType: d.guestType,
    memoryMb: d.memoryMb,
    maxMemoryMb: d.maxMemoryMb,
    vcpus: d.vcpus,
    maxVcpus: d.maxVcpus,
    cpuTimeSeconds: (Date.now() - d.startedAt.getTime()) / 1000 / 50,
    epoch: d.epoch,
    startedAt: d.startedAt,
    vifs: withVifs ? d.spec.vifs : [],
  };
}
