import { Injectable } from '@nestjs/common';
import { HostRepository, type HostRow, VmRepository } from '@xenplane/db';
import { planHostReturn, type ReturningVm } from '@xenplane/domain';
import { getLogger } from '@xenplane/observability';
import { DomainState, type HeartbeatResponse } from '@xenplane/proto';
import { Agents } from '../infra/agents';
import { toReported } from '../hosts/reported-domain';

/**
 * A host declared dead answers again. Before it is `up` (and placeable) again, its stale copies
 * are destroyed, what was not restarted elsewhere is adopted back, and restarts still waiting
 * let go of it (libs/domain planHostReturn). A copy it fails to destroy keeps it `down`: the
 * next heartbeat tries again.
 */
@Injectable()
export class HostReturn {
  private readonly log = getLogger('host-return');

  constructor(
    private readonly hosts: HostRepository,
    private readonly vmRepository: VmRepository,
    private readonly agents: Agents,
  ) {}

  /** True once the host may be `up` again. */
  async welcome(host: HostRow, report: HeartbeatResponse): Promise<boolean> {
    const domains = report.domains.map(toReported);
    const rows = await this.vmRepository.returningTo(
      host.id,
      domains.map((d) => d.vmId),
    );
    const vms = new Map<string, ReturningVm & { projectId: string }>(rows.map((r) => [r.id, r]));
    const plan = planHostReturn(host.id, domains, vms);
    let clean = true;
    for (const copy of plan.stale) {
      try {
        await this.agents.call(host, (a) => a.destroyDomain({ vmId: copy.vmId, purgeStorage: copy.purge }));
        await this.hosts.recordStaleCopyDestroyed(host, copy, vms.get(copy.vmId));
        this.log.warn(
          { hostId: host.id, vmId: copy.vmId, epoch: copy.epoch, reason: copy.reason },
          'stale copy destroyed on a returning host',
        );
      } catch (err) {
        clean = false;
        this.log.warn(
          { hostId: host.id, vmId: copy.vmId, err: (err as Error).message },
          'could not destroy a stale copy: the host stays down',
        );
      }
    }
    if (!clean) return false;
    const byId = new Map(report.domains.map((d) => [d.vmId, d]));
    const adopted = await this.vmRepository.adoptBack(
      host.id,
      plan.adopt.map((a) => {
        const d = byId.get(a.vmId)!;
        return {
          vmId: a.vmId,
          projectId: vms.get(a.vmId)!.projectId,
          epoch: a.epoch,
          domId: d.domId,
          powerState: d.state === DomainState.DOMAIN_STATE_PAUSED ? 'paused' : 'running',
        };
      }),
    );
    if (adopted.length)
      this.log.info({ hostId: host.id, vms: adopted.length }, 'VMs adopted back by their returning host');
    for (const vmId of plan.release) await this.vmRepository.releaseRecoveringClaim(vmId, host.id);
    return true;
  }
}
