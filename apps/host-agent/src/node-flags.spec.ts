import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { productionNodeFlags } from './node-flags';

describe('productionNodeFlags', () => {
  const dir = mkdtempSync(join(tmpdir(), 'node-flags-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const dockerfile = (text: string) => {
    const file = join(dir, `Dockerfile-${Math.random().toString(36).slice(2)}`);
    writeFileSync(file, text);
    return file;
  };

  it("reads the repository Dockerfile's host-agent CMD", () => {
    expect(productionNodeFlags()).toEqual([
      '--max-semi-space-size=1',
      '--lite-mode',
      '--no-expose-wasm',
      '--expose-gc',
    ]);
  });

  it("takes the host-agent stage's CMD, not another stage's", () => {
    const file = dockerfile(
      [
        'FROM base AS api',
        'CMD ["node", "--enable-source-maps", "dist/apps/api/src/main.js"]',
        'FROM base AS host-agent',
        'CMD ["node", "--lite-mode", "dist/apps/host-agent/src/main.js"]',
        'FROM base AS scheduler',
        'CMD ["node", "--stack-size=900", "dist/apps/scheduler/src/main.js"]',
      ].join('\n'),
    );
    expect(productionNodeFlags(file)).toEqual(['--lite-mode']);
  });

  it('refuses a Dockerfile without a host-agent stage, or whose CMD runs something else', () => {
    expect(() => productionNodeFlags(dockerfile('FROM base AS api\nCMD ["node", "x.js"]\n'))).toThrow(
      /no host-agent stage/,
    );
    expect(() => productionNodeFlags(dockerfile('FROM base AS host-agent\nCMD ["node", "other.js"]\n'))).toThrow(
      /does not run dist\/apps\/host-agent\/src\/main.js/,
    );
  });
});
