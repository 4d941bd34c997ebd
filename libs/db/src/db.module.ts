import { type DynamicModule, Global, Inject, Module, type OnApplicationShutdown } from '@nestjs/common';
import { createDb, type Db, type DbOptions } from './client';
import { REPOSITORIES, repositoryProviders } from './repositories/providers';

/** Injection token of the Prisma client in the NestJS apps. */
export const DB = Symbol('DB');

@Global()
@Module({})
export class DbModule implements OnApplicationShutdown {
  constructor(@Inject(DB) private readonly db: Db) {}

  static forRoot(options: DbOptions): DynamicModule {
    return {
      module: DbModule,
      providers: [{ provide: DB, useFactory: (): Db => createDb(options) }, ...repositoryProviders(DB)],
      exports: [DB, ...REPOSITORIES],
    };
  }

  async onApplicationShutdown(): Promise<void> {
    await this.db.$disconnect();
  }
}
