import { Inject, Injectable, type OnApplicationBootstrap } from '@nestjs/common';
import type { Db } from '@xenplane/db';
import { getLogger } from '@xenplane/observability';
import { hashSecret, newSecret, secretPrefix } from '@xenplane/domain';
import { API_CONFIG, type ApiConfig } from '../config';
import { DB } from '@xenplane/db';
import { ADMIN_PROJECT, DEFAULT_POOL, SEED_FLAVORS, SEED_IMAGES } from './seed-data';

// Serializes first-start bootstrap across API replicas starting at once.
const BOOTSTRAP_LOCK = 0x78706c61; // "xpla"

/**
 * First start with an empty database: a global admin token (printed once), an admin
 * project, a default pool, and the seed flavors and images. Later starts change nothing.
 */
@Injectable()
export class BootstrapService implements OnApplicationBootstrap {
  private readonly log = getLogger('bootstrap');

  constructor(
    @Inject(DB) private readonly db: Db,
    @Inject(API_CONFIG) private readonly config: ApiConfig,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    const secret = await this.db.$transaction(async (tx) => {
      await tx.$executeRaw`SELECT pg_advisory_xact_lock(${BOOTSTRAP_LOCK})`;
      await tx.project.upsert({ where: { name: ADMIN_PROJECT }, create: { name: ADMIN_PROJECT }, update: {} });
      await tx.pool.upsert({ where: { name: DEFAULT_POOL }, create: { name: DEFAULT_POOL }, update: {} });
      if ((await tx.flavor.count()) === 0) await tx.flavor.createMany({ data: SEED_FLAVORS });
      if ((await tx.image.count()) === 0) await tx.image.createMany({ data: SEED_IMAGES });
      const admins = await tx.token.count({ where: { role: 'admin', projectId: null } });
      if (admins > 0) return undefined;
      const token = this.config.XENPLANE_ADMIN_TOKEN ?? newSecret('xp');
      await tx.token.create({
        data: { name: 'bootstrap-admin', role: 'admin', tokenHash: hashSecret(token), prefix: secretPrefix(token) },
      });
      return this.config.XENPLANE_ADMIN_TOKEN ? undefined : token;
    });
    if (secret) {
      // Printed once, on purpose, outside the structured log (which never carries secrets).
      process.stdout.write(`\nXenplane bootstrap admin token (shown once): ${secret}\n\n`);
    }
    this.log.info('bootstrap checked');
  }
}
