// The Dockerfile and .dockerignore read as an operator would need them to be, without a Docker
// engine (none runs on the development machines): pinned bases, no root at run time, a health
// check in every image, no secret of the working tree in the build context.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { effective, readDockerfile } from './dockerfile';

const root = join(__dirname, '../../../..');
const stages = readDockerfile(join(root, 'Dockerfile'));
const FINAL = ['api', 'scheduler', 'host-agent'];

describe('Dockerfile', () => {
  it('has a target per app', () => {
    expect(stages.map((s) => s.name)).toEqual(expect.arrayContaining(FINAL));
  });

  it('pins every base image by version and digest', () => {
    const names = new Set(stages.map((s) => s.name));
    for (const s of stages.filter((st) => !names.has(st.from))) {
      expect(s.from).toMatch(/^[\w./-]+:\d+\.\d+\.\d+[\w.-]*@sha256:[0-9a-f]{64}$/);
    }
  });

  it('installs from the lock file, and only production dependencies into the images', () => {
    const runs = stages.flatMap((s) => s.instructions.filter(([k]) => k === 'RUN').map(([, r]) => r));
    const installs = runs.filter((r) => /\bnpm (ci|install|i)\b/.test(r));
    expect(installs.length).toBeGreaterThan(0);
    for (const r of installs) expect(r).toMatch(/\bnpm ci\b/);
    // node_modules of the images come from a stage that installed with --omit=dev
    for (const name of FINAL) {
      const copies = chain(name).flatMap((s) =>
        s.instructions.filter(([k, r]) => k === 'COPY' && /node_modules/.test(r)),
      );
      expect(copies).toHaveLength(1);
      const from = /--from=(\S+)/.exec(copies[0]![1])![1]!;
      const install = stages
        .find((s) => s.name === from)!
        .instructions.find(([k, r]) => k === 'RUN' && /npm ci/.test(r));
      expect(install?.[1]).toMatch(/--omit=dev/);
    }
  });

  it.each(FINAL)('%s runs as a user that is not root, with a health check and a command', (name) => {
    const user = effective(stages, name, 'USER');
    expect(user).toBeDefined();
    expect(user).not.toMatch(/^(root|0)(:|$)/);
    expect(effective(stages, name, 'HEALTHCHECK')).toMatch(/^(--\S+ )*CMD /);
    expect(effective(stages, name, 'CMD')).toMatch(/^\[/);
  });

  it('gives the user the directories it writes, the CA one private', () => {
    const setup = stages
      .find((s) => s.name === 'runtime')!
      .instructions.find(([k, r]) => k === 'RUN' && /useradd/.test(r))![1];
    expect(setup).toMatch(/chown xenplane:xenplane \/pki \/images \/var\/lib\/xenplane-agent/);
    expect(setup).toMatch(/chmod 0700 \/pki/);
  });

  it('copies nothing of the working tree into the images but what they run', () => {
    for (const name of FINAL) {
      const local = chain(name).flatMap((s) =>
        s.instructions.filter(([k, r]) => k === 'COPY' && !r.startsWith('--from')).map(([, r]) => r),
      );
      for (const c of local) expect(c).not.toMatch(/^\. /);
    }
  });

  /** the stage and those it starts from */
  function chain(name: string) {
    const out = [];
    for (let s = stages.find((st) => st.name === name); s; s = stages.find((st) => st.name === s!.from)) out.push(s);
    return out;
  }
});

describe('.dockerignore', () => {
  const patterns = readFileSync(join(root, '.dockerignore'), 'utf8')
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith('#'));

  it.each([
    '.xenplane',
    '**/*.key',
    '**/*.pem',
    '**/admin-token',
    '**/node_modules',
    'dist',
    'xen-lab/work',
    'test-artifacts',
    '.git',
  ])('leaves out %s', (p) => expect(patterns).toContain(p));

  it('re-includes nothing', () => {
    expect(patterns.filter((p) => p.startsWith('!'))).toEqual([]);
  });
});

describe('docker-compose.yml', () => {
  interface Service {
    build?: { context: string; target?: string; dockerfile?: string };
    volumes?: string[];
    environment?: Record<string, string>;
  }
  const compose = parse(readFileSync(join(root, 'docker-compose.yml'), 'utf8'), { merge: true }) as {
    services: Record<string, Service>;
  };

  it('builds every image from a target of the root Dockerfile', () => {
    const built = Object.values(compose.services).filter((s) => s.build);
    expect(built.length).toBeGreaterThan(0);
    for (const s of built) {
      expect(s.build).toEqual({ context: '.', target: expect.any(String) });
      expect(stages.map((st) => st.name)).toContain(s.build!.target);
    }
  });

  it('mounts no CA into an agent, which gets no database nor Redis either', () => {
    const agents = Object.entries(compose.services).filter(([, s]) => s.build?.target === 'host-agent');
    expect(agents.length).toBeGreaterThan(0);
    for (const [, s] of agents) {
      // neither the CA's volume (wherever mounted) nor anything at the CA's path
      for (const v of s.volumes ?? [])
        expect(v.split(':').slice(0, 2)).not.toEqual(expect.arrayContaining(['pki', '/pki']));
      expect(s.environment?.['XENPLANE_PKI_DIR']).toBeUndefined();
      expect(s.environment?.['DATABASE_URL']).toBeUndefined();
      expect(s.environment?.['REDIS_URL']).toBeUndefined();
    }
  });

  it('mounts the CA and the images where the image keeps them, for the API and the scheduler', () => {
    for (const s of Object.values(compose.services).filter((x) => ['api', 'scheduler'].includes(x.build?.target ?? '')))
      expect(s.volumes).toEqual(expect.arrayContaining(['pki:/pki', 'images:/images']));
  });
});
