import { status as GrpcStatus } from '@grpc/grpc-js';
import { Inject, Injectable } from '@nestjs/common';
import { agentErrorMessage, classifyAgentError } from '@xenplane/agent-client';
import { HostRepository, VmRepository } from '@xenplane/db';
import type { Principal } from '../../common/auth/principal';
import { conflict, unavailable } from '../../common/errors/api-errors';
import { API_CONFIG, type ApiConfig } from '../../config';
import { HostAgents } from '../../infra/host-agents';
import { findVisibleVm } from '../vm-lookup';
import { powerStateOf } from '../vm.view';
import { consoleText } from './console-text';
import { CONSOLE_DEFAULT_BYTES, type ConsoleView } from './console.dto';

/**
 * A VM's console output, read from the agent of the host it is on (GetConsoleLog) with a short
 * deadline: 404 for a VM the caller may not see, 409 when the VM has no domain to read (no host
 * yet, stopped, deleted) or its host is known silent, 503 when its host does not answer now. Never waits longer than
 * CONSOLE_TIMEOUT_MS on a host, and not at all on one whose heartbeats stopped.
 */
@Injectable()
export class VmConsoleService {
  constructor(
    private readonly vms: VmRepository,
    private readonly hosts: HostRepository,
    private readonly agents: HostAgents,
    @Inject(API_CONFIG) private readonly config: ApiConfig,
  ) {}

  async read(principal: Principal, id: string, bytes = CONSOLE_DEFAULT_BYTES): Promise<ConsoleView> {
    const vm = await findVisibleVm(this.vms, principal, id);
    const host = vm.hostId ? await this.hosts.find(vm.hostId) : null;
    if (!host) throw conflict(`vm ${id} is ${vm.state} and on no host: it has no console`, { state: vm.state });
    // known silent: a state of the world, as actions answer it (409 with the host's state), not
    // a failure of this service; only a host that fails to answer now is a 503
    if (powerStateOf(vm) === 'unknown') {
      throw conflict(
        `host ${host.name} has not answered a heartbeat within its pool's suspect timeout: the console cannot be read now`,
        { state: vm.state, hostState: host.state },
      );
    }
    const timeoutMs = this.config.CONSOLE_TIMEOUT_MS;
    try {
      const agent = await this.agents.for(host);
      const log = await agent.getConsoleLog({ vmId: vm.id, maxBytes: bytes }, { deadlineMs: timeoutMs });
      return { output: consoleText(log.data, log.truncated), truncated: log.truncated };
    } catch (err) {
      switch (classifyAgentError(err)) {
        case 'not_found':
          throw conflict(`vm ${id} is ${vm.state}: it has no domain on host ${host.name}, so no console`, {
            state: vm.state,
          });
        case 'transient':
          throw unavailable(
            (err as { code?: number }).code === GrpcStatus.DEADLINE_EXCEEDED
              ? `host ${host.name} did not answer within ${timeoutMs} ms`
              : `host ${host.name} cannot be reached: ${agentErrorMessage(err)}`,
          );
        case 'permanent':
          throw unavailable(`host ${host.name} could not read the console: ${agentErrorMessage(err)}`);
      }
    }
  }
}
