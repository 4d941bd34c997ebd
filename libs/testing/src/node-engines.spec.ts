import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';

// semver comes with npm's own tree (no types of its own here)
const semver = createRequire(__filename)('semver') as {
  minVersion(range: string): { version: string } | null;
  satisfies(version: string, range: string): boolean;
};

interface LockedPackage {
  version?: string;
  engines?: { node?: string };
  optional?: boolean;
  devOptional?: boolean;
}

describe('the Node.js version the project names', () => {
  const root = join(__dirname, '../../..');
  const ours = (JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { engines: { node: string } }).engines
    .node;
  const oldest = semver.minVersion(ours)!.version;
  const locked = (
    JSON.parse(readFileSync(join(root, 'package-lock.json'), 'utf8')) as { packages: Record<string, LockedPackage> }
  ).packages;

  it('is the one README.md names', () => {
    const readme = readFileSync(join(root, 'README.md'), 'utf8');
    expect(readme).toContain(`Node.js ${oldest.split('.')[0]}`);
  });

  it('is accepted by every package an install always brings (no EBADENGINE)', () => {
    const refusing = Object.entries(locked)
      .filter(
        ([path, p]) =>
          path !== '' && !p.optional && !p.devOptional && p.engines?.node && !semver.satisfies(oldest, p.engines.node),
      )
      .map(([path, p]) => `${path.replace(/^.*node_modules\//, '')}@${p.version} wants node ${p.engines!.node}`);
    expect(refusing).toEqual([]);
  });
});
