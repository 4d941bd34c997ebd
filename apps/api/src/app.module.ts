import { type DynamicModule, Module } from '@nestjs/common';
import { DbModule } from '@xenplane/db';
import { APP_FILTER, APP_GUARD, APP_INTERCEPTOR } from '@nestjs/core';
import { AuditModule } from './audit/audit.module';
import { BootstrapService } from './bootstrap/bootstrap.service';
import { CatalogModule } from './catalog/catalog.module';
import { AuthGuard } from './common/auth/auth.guard';
import { AuthModule } from './common/auth/auth.module';
import { ProblemFilter } from './common/errors/problem.filter';
import { IdempotencyInterceptor } from './common/idempotency/idempotency.interceptor';
import { RateLimitGuard } from './common/rate-limit/rate-limit.guard';
import { RateLimitModule } from './common/rate-limit/rate-limit.module';
import type { ApiConfig } from './config';
import { EventsModule } from './events/events.module';
import { HealthModule } from './health/health.module';
import { HostsModule } from './hosts/hosts.module';
import { ImagesModule } from './images/images.module';
import { KeypairsModule } from './keypairs/keypairs.module';
import { ConfigModule } from './infra/config.module';
import { PkiModule } from './infra/pki.module';
import { QueueModule } from './infra/queue.module';
import { RedisModule } from './infra/redis.module';
import { NetworksModule } from './networks/networks.module';
import { OperationsModule } from './operations/operations.module';
import { PlacementModule } from './placement/placement.module';
import { PoolsModule } from './pools/pools.module';
import { ProjectsModule } from './projects/projects.module';
import { ServerGroupsModule } from './server-groups/server-groups.module';
import { StoragePoolsModule } from './storage-pools/storage-pools.module';
import { VmsModule } from './vms/vms.module';
import { WebhooksModule } from './webhooks/webhooks.module';
import { QueuesModule } from './queues/queues.module';

@Module({})
export class AppModule {
  static forRoot(config: ApiConfig): DynamicModule {
    return {
      module: AppModule,
      imports: [
        ConfigModule.forRoot(config),
        DbModule.forRoot({ url: config.DATABASE_URL, poolSize: config.DB_POOL_SIZE }),
        QueueModule,
        RedisModule,
        AuthModule,
        RateLimitModule,
        PkiModule,
        HealthModule,
        ProjectsModule,
        KeypairsModule,
        WebhooksModule,
        QueuesModule,
        CatalogModule,
        ImagesModule,
        PoolsModule,
        NetworksModule,
        StoragePoolsModule,
        PlacementModule,
        HostsModule,
        ServerGroupsModule,
        VmsModule,
        OperationsModule,
        EventsModule,
        AuditModule,
      ],
      providers: [
        BootstrapService,
        // in this order: the rate limiter counts failed authentications against their source
        // address, so it must see a request before the auth guard refuses it
        { provide: APP_GUARD, useClass: RateLimitGuard },
        { provide: APP_GUARD, useClass: AuthGuard },
        { provide: APP_INTERCEPTOR, useClass: IdempotencyInterceptor },
        { provide: APP_FILTER, useClass: ProblemFilter },
      ],
    };
  }
}
