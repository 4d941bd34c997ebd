#!/usr/bin/env node
// Builds the host agent's Debian package, xenplane-agent_<version>_amd64.deb, from the build in
// dist/ (node scripts/build.mjs first) with dpkg-deb. What goes where (docs/OPERATIONS.md):
//   /usr/lib/xenplane-agent/{dist,node_modules}    the agent and its run-time npm closure
//   /usr/lib/systemd/system/xenplane-agent.service  deploy/debian/xenplane-agent.service, with
//                                                   the node flags of the Dockerfile's host-agent CMD
//   /etc/xenplane/agent.env                         the settings (a conffile, 0600)
//   /var/lib/xenplane-agent                         its state (made by postinst)
// Depends on Debian's or NodeSource's nodejs (>= 20.19) rather than carrying a node binary: the
// host's security updates then reach the agent's runtime too.
// usage: node scripts/package-agent.mjs [--dist <dir>] [--out <dir>]   prints the .deb's path
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  chmodSync,
  copyFileSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { gzipSync } from 'node:zlib';
import { agentFiles } from './agent-files.mjs';
import { readJson, root } from './lib.mjs';

export const PACKAGE = 'xenplane-agent';
export const INSTALL_DIR = 'usr/lib/xenplane-agent';
const UNIT = 'usr/lib/systemd/system/xenplane-agent.service';
const ENV_FILE = 'etc/xenplane/agent.env';
const DEBIAN_DIR = join(root, 'deploy/debian');
// the oldest node the project supports (package.json engines)
const NODE_DEPENDS = 'nodejs (>= 20.19)';

/** Builds the package; returns its path. */
export function buildAgentPackage({ dist = join(root, 'dist'), outDir = join(dist, 'packages') } = {}) {
  const { version, license } = readJson('package.json');
  const stage = mkdtempSync(join(tmpdir(), 'xenplane-agent-deb-'));
  try {
    // the tree's root becomes the package's `./`, installed over `/`
    chmodSync(stage, 0o755);
    const put = (path, data, mode = 0o644) => {
      mkdirSync(dirname(join(stage, path)), { recursive: true, mode: 0o755 });
      writeFileSync(join(stage, path), data);
      chmodSync(join(stage, path), mode);
    };
    for (const { file, path } of agentFiles(dist, root)) {
      mkdirSync(dirname(join(stage, INSTALL_DIR, path)), { recursive: true, mode: 0o755 });
      copyFileSync(file, join(stage, INSTALL_DIR, path));
      // a script (#!) is executable, as its package meant it
      const script = readFileSync(file).subarray(0, 2).toString() === '#!';
      chmodSync(join(stage, INSTALL_DIR, path), script ? 0o755 : 0o644);
    }
    put(UNIT, unitFile(dist));
    put(ENV_FILE, readFileSync(join(DEBIAN_DIR, 'agent.env')), 0o600);
    const doc = `usr/share/doc/${PACKAGE}`;
    put(`${doc}/copyright`, copyright(license));
    put(`${doc}/changelog.gz`, gzipSync(changelog(version), { level: 9 }));
    put(`${doc}/OPERATIONS.md`, readFileSync(join(root, 'docs/OPERATIONS.md')));
    // on purpose: the settings file holds the enrollment token
    put(`usr/share/lintian/overrides/${PACKAGE}`, `${PACKAGE}: non-standard-file-perm 0600 != 0644 [${ENV_FILE}]\n`);
    const files = listFiles(stage);
    const installedKb = files.reduce((kb, f) => kb + Math.ceil(statSync(join(stage, f)).size / 1024), 0);
    put(
      'DEBIAN/control',
      [
        `Package: ${PACKAGE}`,
        `Version: ${version}`,
        'Architecture: amd64',
        'Maintainer: Xenplane developers <xenplane@example.org>',
        `Installed-Size: ${installedKb}`,
        `Depends: ${NODE_DEPENDS}`,
        'Recommends: xen-utils-4.17 | xen-utils',
        'Section: admin',
        'Priority: optional',
        `Description: Xenplane host agent for Xen dom0`,
        ' Xenplane is a control plane for pools of Xen hosts. This is the agent each',
        ' host runs in its dom0: it enrolls with a one-time token, then serves the',
        ' control plane over mutual-TLS gRPC and drives the host with xl (domains,',
        ' disks, live migration, self-fencing).',
        '',
      ].join('\n'),
    );
    put('DEBIAN/conffiles', `/${ENV_FILE}\n`);
    put(
      'DEBIAN/md5sums',
      files
        .map(
          (f) =>
            `${createHash('md5')
              .update(readFileSync(join(stage, f)))
              .digest('hex')}  ${f}\n`,
        )
        .join(''),
    );
    for (const script of ['postinst', 'prerm', 'postrm'])
      put(`DEBIAN/${script}`, readFileSync(join(DEBIAN_DIR, script)), 0o755);
    mkdirSync(outDir, { recursive: true });
    const out = join(outDir, `${PACKAGE}_${version}_amd64.deb`);
    execFileSync('dpkg-deb', ['--root-owner-group', '-Zxz', '--build', stage, out], {
      stdio: ['ignore', 'ignore', 'inherit'],
    });
    return out;
  } finally {
    rmSync(stage, { recursive: true, force: true });
  }
}

/** The unit, with the agent's node flags read from where they are written (the Dockerfile). */
function unitFile(dist) {
  const { productionNodeFlags } = createRequire(import.meta.url)(join(dist, 'apps/host-agent/src/node-flags.js'));
  const flags = productionNodeFlags();
  if (flags.some((f) => !/^--[\w-]+(=[\w.-]+)?$/.test(f))) throw new Error(`unexpected node flags: ${flags.join(' ')}`);
  const unit = readFileSync(join(DEBIAN_DIR, 'xenplane-agent.service'), 'utf8');
  if (unit.split('@NODE_FLAGS@').length !== 2) throw new Error('the unit must name @NODE_FLAGS@ once, on ExecStart');
  return unit.replace('@NODE_FLAGS@', flags.join(' '));
}

function listFiles(dir, prefix = '') {
  return readdirSorted(dir).flatMap((n) => {
    const rel = prefix ? `${prefix}/${n}` : n;
    if (rel === 'DEBIAN') return [];
    return statSync(join(dir, n)).isDirectory() ? listFiles(join(dir, n), rel) : [rel];
  });
}

function readdirSorted(dir) {
  return readdirSync(dir).sort();
}

function copyright(license) {
  return [
    'Format: https://www.debian.org/doc/packaging-manuals/copyright-format/1.0/',
    'Upstream-Name: xenplane',
    '',
    'Files: *',
    'Copyright: 2025-2026 Xenplane developers',
    `License: ${license}`,
    '',
    `License: ${license}`,
    ' On Debian systems, the complete text of the Apache License 2.0 can be found',
    ' in /usr/share/common-licenses/Apache-2.0.',
    '',
  ].join('\n');
}

function changelog(version) {
  return [
    `${PACKAGE} (${version}) unstable; urgency=medium`,
    '',
    '  * Built from the Xenplane repository (scripts/package-agent.mjs).',
    '',
    ` -- Xenplane developers <xenplane@example.org>  Thu, 01 Jan 2026 00:00:00 +0000`,
    '',
  ].join('\n');
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const { values } = parseArgs({ options: { dist: { type: 'string' }, out: { type: 'string' } } });
  const dist = values.dist ? resolve(values.dist) : undefined;
  console.log(buildAgentPackage({ ...(dist ? { dist } : {}), ...(values.out ? { outDir: resolve(values.out) } : {}) }));
}
