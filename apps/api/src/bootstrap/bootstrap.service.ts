import { Inject, Injectable, type OnApplicationBootstrap } from '@nestjs/common';
import { SystemRepository } from '@xenplane/db';
import { getLogger } from '@xenplane/observability';
import { hashSecret, newSecret, planNetwork, storedPrefix } from '@xenplane/domain';
import { API_CONFIG, type ApiConfig } from '../config';
import { ADMIN_PROJECT, DEFAULT_NETWORK, DEFAULT_POOL, SEED_FLAVORS, SEED_IMAGES } from './seed-data';

// Serializes first-start bootstrap across API replicas starting at once.
const BOOTSTRAP_LOCK = 0x78706c61; // "xpla"

/**
 * First start with an empty database: a global admin token (printed once), an admin
 * project, a default pool with a default network, and the seed flavors and images. Later
 * starts add only what is missing (the network to a default pool without any, as a database
 * from before networks has).
 */
@Injectable()
export class BootstrapService implements OnApplicationBootstrap {
  private readonly log = getLogger('bootstrap');

  constructor(
    private readonly system: SystemRepository,
    @Inject(API_CONFIG) private readonly config: ApiConfig,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    let token: string | undefined;
    const network = planNetwork(DEFAULT_NETWORK);
    if (!network.ok) throw new Error(`the seed network is invalid: ${JSON.stringify(network.errors)}`);
    const { capacity: _, ...plan } = network.plan;
    const created = await this.system.seed({
      lock: BOOTSTRAP_LOCK,
      adminProject: ADMIN_PROJECT,
      defaultPool: DEFAULT_POOL,
      defaultNetwork: { ...plan, name: DEFAULT_NETWORK.name },
      flavors: SEED_FLAVORS,
      images: SEED_IMAGES,
      adminToken: () => {
        const chosen = this.config.XENPLANE_ADMIN_TOKEN;
        token = chosen ?? newSecret('xp');
        // nothing is kept of a secret a person chose, not even its first characters
        const prefix = storedPrefix(token, chosen ? 'chosen' : 'generated');
        return { name: 'bootstrap-admin', tokenHash: hashSecret(token), prefix };
      },
    });
    const secret = created && !this.config.XENPLANE_ADMIN_TOKEN ? token : undefined;
    if (secret) {
      // Printed once, on purpose, outside the structured log (which never carries secrets).
      process.stdout.write(`\nXenplane bootstrap admin token (shown once): ${secret}\n\n`);
    }
    this.log.info('bootstrap checked');
  }
}
