// The host agent's files as it runs in production: its own build (dist/apps/host-agent), the
// dist/libs it imports, and the closure of the npm packages those require at run time. One list,
// used by the Debian package (scripts/package-agent.mjs), which the xen lab installs into its dom0.
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { dirname, join, relative } from 'node:path';

// what the agent's dist code requires at run time besides what requiredPackages finds in it
// (their dependencies follow from package.json)
export const AGENT_PACKAGES = [
  '@grpc/grpc-js',
  '@bufbuild/protobuf',
  'pino',
  'zod',
  '@peculiar/x509',
  'tslib',
  'reflect-metadata',
];
export const AGENT_LIBS = ['agent-client', 'config', 'observability', 'pki', 'proto', 'domain'];

// what node never loads: sources, types, maps, docs and web pages, packages' tool configs and
// scripts (dot files: .npmignore, .eslintrc, .husky ...); licences stay
const skipFile = (p) =>
  !/\/LICEN[CS]E[^/]*$/i.test(p) &&
  ((/\.(map|d\.ts|d\.mts|d\.cts|md|markdown|ts|mts|cts|html|sh)$/.test(p) && !/\.js$/.test(p)) || /\/\.[^/]+$/.test(p));
// the xl driver's recorded outputs (its unit tests' input, copied into dist/ by the build), and
// packages' own tests
const SKIP_DIRS = new Set(['fixtures', 'test', 'tests', '__tests__']);

function walkFiles(dir, out = []) {
  for (const n of readdirSync(dir)) {
    // fake-*.js: the agent's test doubles (a fake xl for its integration tests)
    if (SKIP_DIRS.has(n) || n.startsWith('.') || /^fake-.*\.js$/.test(n)) continue;
    const p = join(dir, n);
    const st = statSync(p);
    if (st.isDirectory()) walkFiles(p, out);
    else if (st.isFile() && !skipFile(p)) out.push(p);
  }
  return out;
}

const BUILTIN = new Set(builtinModules);

/**
 * The npm packages the built files require (`require("name")` or `require("@scope/name/...")`),
 * builtins left out: a package a lib starts to use ships with the agent without anyone
 * remembering to list it (a merge once left the OpenTelemetry packages out, and the lab's agent
 * died at its first require).
 */
export function requiredPackages(files) {
  const names = new Set();
  for (const file of files) {
    if (!file.endsWith('.js')) continue;
    for (const [, spec] of readFileSync(file, 'utf8').matchAll(/require\("([^".][^"]*)"\)/g)) {
      const name = spec.startsWith('@') ? spec.split('/').slice(0, 2).join('/') : spec.split('/')[0];
      if (!BUILTIN.has(name) && !name.startsWith('node:')) names.add(name);
    }
  }
  return [...names].sort();
}

/** node_modules package dirs the agent needs: what its files require, AGENT_PACKAGES, and their dependencies. */
function packageDirs(dist, builtFiles) {
  const found = new Set();
  const resolveFrom = (name, fromDir) => {
    for (let d = fromDir; ; d = dirname(d)) {
      const cand = join(d, 'node_modules', name);
      if (existsSync(join(cand, 'package.json'))) return cand;
      if (d === dirname(d)) return null;
    }
  };
  const visit = (name, fromDir, optional) => {
    const dir = resolveFrom(name, fromDir);
    if (!dir) {
      if (optional) return;
      throw new Error(`agent-files: package ${name} not found from ${fromDir}`);
    }
    if (found.has(dir)) return;
    found.add(dir);
    const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'));
    for (const d of Object.keys(pkg.dependencies ?? {})) visit(d, dir, false);
    for (const d of Object.keys(pkg.optionalDependencies ?? {})) visit(d, dir, true);
  };
  const wanted = new Set([...AGENT_PACKAGES, ...requiredPackages(builtFiles)]);
  for (const p of wanted) visit(p, join(dist, 'apps/host-agent'), false);
  return [...found];
}

/**
 * Every file the agent runs, as { file, path }: `path` is where it goes in an install tree with
 * dist/ and node_modules/ side by side, as in the repository (so the built code's relative
 * requires and node's package lookup both hold). `root` is the checkout whose node_modules serve.
 */
export function agentFiles(dist, root) {
  const agentDir = join(dist, 'apps/host-agent');
  if (!existsSync(join(agentDir, 'src/main.js')))
    throw new Error(`no agent build in ${dist}: run node scripts/build.mjs`);
  // the transport `xl migrate` runs (shipped beside the agent, so it comes with dist/apps/host-agent)
  if (!existsSync(join(agentDir, 'src/migration-transport.js')))
    throw new Error(`${dist} has no migration transport: rebuild`);
  const builtFiles = [
    ...walkFiles(agentDir),
    ...AGENT_LIBS.filter((l) => existsSync(join(dist, 'libs', l))).flatMap((l) => walkFiles(join(dist, 'libs', l))),
  ];
  const built = builtFiles.map((file) => ({ file, path: `dist/${relative(dist, file)}` }));
  const modules = packageDirs(dist, builtFiles)
    .flatMap((d) => walkFiles(d))
    // node_modules/... whether this checkout's node_modules is a directory or a link to another's
    .map((file) => ({ file, path: relative(root, file).replace(/^.*?(?=node_modules\/)/, '') }));
  return [...built, ...modules];
}
