import type { Seed, SystemRepository } from '@xenplane/db';
import { hashSecret } from '@xenplane/domain';
import type { ApiConfig } from '../config';
import { BootstrapService } from './bootstrap.service';

/** Bootstraps an empty database (a fake one) and returns the admin token row it would create, and what was printed. */
async function bootstrap(adminToken: string | undefined) {
  let row: ReturnType<Seed['adminToken']> | undefined;
  const system = {
    seed: async (s: Seed) => {
      row = s.adminToken();
      return true;
    },
  } as unknown as SystemRepository;
  const printed: string[] = [];
  const write = jest.spyOn(process.stdout, 'write').mockImplementation((chunk) => {
    printed.push(String(chunk));
    return true;
  });
  try {
    await new BootstrapService(system, { XENPLANE_ADMIN_TOKEN: adminToken } as ApiConfig).onApplicationBootstrap();
  } finally {
    write.mockRestore();
  }
  return { row: row!, printed: printed.join('') };
}

describe('BootstrapService: the first admin token', () => {
  it('keeps nothing of a secret XENPLANE_ADMIN_TOKEN chose but its hash, and prints nothing', async () => {
    const chosen = 'correct-horse-battery-staple-2026';
    const { row, printed } = await bootstrap(chosen);
    expect(row).toEqual({ name: 'bootstrap-admin', tokenHash: hashSecret(chosen), prefix: null });
    expect(printed).not.toContain(chosen.slice(0, 4));
  });

  it('keeps the first characters of a secret it generated, and prints that secret once', async () => {
    const { row, printed } = await bootstrap(undefined);
    const secret = /admin token \(shown once\): (xp_[A-Za-z0-9_-]{43})/.exec(printed)?.[1];
    expect(secret).toBeDefined();
    expect(row).toEqual({ name: 'bootstrap-admin', tokenHash: hashSecret(secret!), prefix: secret!.slice(0, 10) });
  });
});
