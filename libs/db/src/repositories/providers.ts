import type { Provider } from '@nestjs/common';
import type { Db } from '../client';
import { AuditRepository } from './audit.repository';
import { CatalogRepository } from './catalog.repository';
import { ClaimRepository } from './claim.repository';
import { EnrollmentRepository } from './enrollment.repository';
import { EventRepository } from './event.repository';
import { HostRepository } from './host.repository';
import { HostCertificateRepository } from './host-certificate.repository';
import { IdempotencyRepository } from './idempotency.repository';
import { NetworkRepository } from './network.repository';
import { KeypairRepository } from './keypair.repository';
import { OperationRepository } from './operation.repository';
import { OperationStepRepository } from './operation-step.repository';
import { PoolRepository } from './pool.repository';
import { PoolUsageRepository } from './pool-usage.repository';
import { ProjectRepository } from './project.repository';
import { ServerGroupRepository } from './server-group.repository';
import { StoragePoolRepository } from './storage-pool.repository';
import { SnapshotRepository } from './snapshot.repository';
import { SystemRepository } from './system.repository';
import { TokenRepository } from './token.repository';
import { VmRepository } from './vm.repository';
import { WebhookRepository } from './webhook.repository';

// the repositories are plain classes (usable in tests with a client of their own); Nest builds
// each from the app's one Prisma client, injected under the token given as `db`
const REPOSITORY_CLASSES = [
  VmRepository,
  OperationRepository,
  OperationStepRepository,
  HostRepository,
  HostCertificateRepository,
  PoolRepository,
  PoolUsageRepository,
  NetworkRepository,
  CatalogRepository,
  ClaimRepository,
  ServerGroupRepository,
  ProjectRepository,
  TokenRepository,
  EnrollmentRepository,
  EventRepository,
  IdempotencyRepository,
  SystemRepository,
  AuditRepository,
  KeypairRepository,
  StoragePoolRepository,
  SnapshotRepository,
  WebhookRepository,
] as const;

export function repositoryProviders(db: symbol): Provider[] {
  return REPOSITORY_CLASSES.map((Repository) => ({
    provide: Repository,
    useFactory: (client: Db) => new Repository(client),
    inject: [db],
  }));
}

export const REPOSITORIES = REPOSITORY_CLASSES;
