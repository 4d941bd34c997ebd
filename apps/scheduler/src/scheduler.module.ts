import { type DynamicModule, Module, type Provider } from '@nestjs/common';
import { DbModule } from '@xenplane/db';
import { SCHEDULER_CONFIG, type SchedulerConfig, type SchedulerRole } from './config';
import { GarbageCollector } from './gc/garbage-collector';
import { HostMonitor } from './hosts/host-monitor';
import { Agents } from './infra/agents';
import { CloneVmHandler } from './operations/handlers/clone-vm.handler';
import { CreateVmHandler } from './operations/handlers/create-vm.handler';
import { DeleteVmHandler } from './operations/handlers/delete-vm.handler';
import { EvacuateHostHandler } from './operations/handlers/evacuate-host.handler';
import { MigrateVmHandler } from './operations/handlers/migrate-vm.handler';
import { PowerHandler } from './operations/handlers/power.handler';
import { RestartVmHandler } from './operations/handlers/restart-vm.handler';
import { SnapshotHandler } from './operations/handlers/snapshot.handler';
import { HostWork } from './operations/host-work';
import { OperationStore } from './operations/operation-store';
import { OperationWorker } from './operations/operation-worker';
import { StepWriter } from './operations/step-writer';
import { VmStore } from './operations/vm-store';
import { OperationQueue } from './infra/operation-queue';
import { OutboxSweeper } from './outbox/outbox-sweeper';
import { TtlReaper } from './ttl/ttl-reaper';
import { PeriodicWorker } from './periodic/periodic-worker';
import { PoolUsageSampler } from './pools/pool-usage-sampler';
import { CertificateRenewer } from './certificates/certificate-renewer';
import { Reconciler } from './reconcile/reconciler';
import { DeathCertifier } from './ha/death-certifier';
import { HostReturn } from './ha/host-return';
import { CapacityCache } from './placement/capacity-cache';
import { PlacementService } from './placement/placement.service';
import { WebhookDispatcher } from './webhooks/webhook-dispatcher';
import { WebhookQueue } from './webhooks/webhook-queue';
import { WebhookWorker } from './webhooks/webhook-worker';
import { FleetMetrics } from './metrics/fleet-metrics';
import { QueueMetrics } from './metrics/queue-metrics';

@Module({})
export class SchedulerModule {
  static forRoot(config: SchedulerConfig): DynamicModule {
    return {
      module: SchedulerModule,
      imports: [DbModule.forRoot({ url: config.DATABASE_URL, poolSize: config.DB_POOL_SIZE })],
      providers: [
        { provide: SCHEDULER_CONFIG, useValue: config },
        Agents,
        // both roles queue work: operations (the outbox, TTL), monitor (restarts of dead hosts)
        OperationQueue,
        ...config.SCHEDULER_ROLES.flatMap((role) => ROLE_PROVIDERS[role]),
      ],
    };
  }
}

/** What each role of SCHEDULER_ROLES runs. */
const ROLE_PROVIDERS: Record<SchedulerRole, Provider[]> = {
  operations: [
    HostWork,
    CapacityCache,
    PlacementService,
    OperationStore,
    VmStore,
    CreateVmHandler,
    DeleteVmHandler,
    PowerHandler,
    MigrateVmHandler,
    EvacuateHostHandler,
    RestartVmHandler,
    SnapshotHandler,
    CloneVmHandler,
    OperationWorker,
    StepWriter,
    OutboxSweeper,
    TtlReaper,
    GarbageCollector,
    PoolUsageSampler,
    CertificateRenewer,
    PeriodicWorker,
    QueueMetrics,
  ],
  monitor: [HostMonitor, Reconciler, DeathCertifier, HostReturn, FleetMetrics],
  webhooks: [WebhookQueue, WebhookDispatcher, WebhookWorker],
};
