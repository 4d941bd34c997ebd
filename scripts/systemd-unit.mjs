#!/usr/bin/env node
// How systemd would start a simple service unit, for places with no systemd: the xen lab's dom0
// (xen-lab/agent-lab.mjs starts the packaged agent this way) and the package's integration test.
// Only what xenplane's units use: Environment=, EnvironmentFile= (later files, then later lines,
// win, as in systemd), WorkingDirectory=, ExecStart= (no shell; no specifiers or $VARS).
//   node scripts/systemd-unit.mjs <unit file> [--root <dir>]
// prints { argv, env, cwd } as JSON; --root: the tree the package was unpacked into (dpkg -x),
// whose copies of the unit's paths are used where they exist.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';

/** The [Service] section's settings we read, in order: [key, value][]. */
export function serviceSettings(text) {
  const out = [];
  let section = '';
  for (const raw of text.replace(/\\\n/g, ' ').split('\n')) {
    const line = raw.trim();
    if (!line || line.startsWith('#') || line.startsWith(';')) continue;
    const header = /^\[(.+)\]$/.exec(line);
    if (header) section = header[1];
    else if (section === 'Service') {
      const eq = line.indexOf('=');
      out.push([line.slice(0, eq).trim(), line.slice(eq + 1).trim()]);
    }
  }
  return out;
}

/** KEY=value lines of an EnvironmentFile= (comments and blank lines skipped, quotes removed). */
export function readEnvFile(text) {
  const env = {};
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (!line || line.startsWith('#') || line.startsWith(';')) continue;
    const m = /^([A-Za-z_][A-Za-z0-9_]*)=(.*)$/.exec(line);
    if (!m) throw new Error(`not KEY=value: ${line}`);
    env[m[1]] = m[2].replace(/^(['"])(.*)\1$/, '$2');
  }
  return env;
}

// what systemd gives a service (nothing else is inherited from whoever started it)
const SYSTEMD_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

/**
 * What the unit runs: argv, its environment (the unit's own and PATH, as systemd gives it; nothing
 * inherited), and its working directory. `root` maps absolute paths into an unpacked tree;
 * `envFiles` gives an EnvironmentFile's text by its path instead (a tree not on this machine).
 */
export function describeUnit(unitText, { root = '', path = SYSTEMD_PATH, envFiles = {} } = {}) {
  const at = (p) => (root && existsSync(join(root, p)) ? join(root, p) : p);
  const envFileText = (p) => envFiles[p] ?? (existsSync(at(p)) ? readFileSync(at(p), 'utf8') : undefined);
  const env = { PATH: path };
  const fileEnv = {};
  let argv = [];
  let cwd = '/';
  for (const [key, value] of serviceSettings(unitText)) {
    if (key === 'Environment') {
      for (const m of value.matchAll(/([A-Za-z_][A-Za-z0-9_]*)=(\S*)/g)) env[m[1]] = m[2];
    } else if (key === 'EnvironmentFile') {
      const file = value.replace(/^-/, '');
      const text = envFileText(file);
      if (text !== undefined) Object.assign(fileEnv, readEnvFile(text));
      else if (!value.startsWith('-')) throw new Error(`EnvironmentFile ${file} is missing`);
    } else if (key === 'WorkingDirectory') cwd = at(value.replace(/^-/, ''));
    else if (key === 'ExecStart') argv = value.split(/\s+/).map((a) => (a.startsWith('/') ? at(a) : a));
  }
  if (!argv.length) throw new Error('the unit has no ExecStart');
  return { argv, env: { ...env, ...fileEnv }, cwd };
}

/**
 * The unit's NoNewPrivileges= and CapabilityBoundingSet=~ (a deny list) as setpriv(1) arguments,
 * so that a place without systemd (the xen lab's dom0) confines the process the same way.
 */
export function setprivArgs(unitText) {
  const args = [];
  for (const [key, value] of serviceSettings(unitText)) {
    if (key === 'NoNewPrivileges' && /^(yes|true|1|on)$/.test(value)) args.push('--no-new-privs');
    if (key === 'CapabilityBoundingSet') {
      if (!value.startsWith('~')) throw new Error('only a deny list (CapabilityBoundingSet=~...) is read');
      const caps = value.slice(1).trim().split(/\s+/);
      args.push('--bounding-set', caps.map((c) => `-${c.replace(/^CAP_/, '').toLowerCase()}`).join(','));
    }
  }
  return args;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const { values, positionals } = parseArgs({ options: { root: { type: 'string' } }, allowPositionals: true });
  if (positionals.length !== 1) {
    console.error('usage: node scripts/systemd-unit.mjs <unit file> [--root <dir>]');
    process.exit(2);
  }
  const unit = values.root ? join(values.root, positionals[0]) : positionals[0];
  console.log(JSON.stringify(describeUnit(readFileSync(unit, 'utf8'), { root: values.root ?? '' })));
}
