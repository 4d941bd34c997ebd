import { chmodSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';

export interface Profile {
  url: string;
  token: string;
}

/** $XDG_CONFIG_HOME/xenplane/config.yaml: one entry per profile (`xp login --profile NAME`). */
export interface ConfigFile {
  profiles: Record<string, Profile>;
}

export function configPath(env: NodeJS.ProcessEnv = process.env): string {
  const base = env['XDG_CONFIG_HOME'] || join(homedir(), '.config');
  return join(base, 'xenplane', 'config.yaml');
}

/** The config file, or no profiles when there is none yet. */
export async function readConfig(path: string): Promise<ConfigFile> {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { profiles: {} };
    throw err;
  }
  // loaded only here: a CI job with XENPLANE_URL and XENPLANE_TOKEN never pays for a YAML parser
  const { parse } = await import('yaml');
  const doc = (parse(text) ?? {}) as Partial<ConfigFile>;
  return { profiles: doc.profiles ?? {} };
}

/**
 * Writes the file readable by its owner only (it holds tokens): the directory 0700, the file
 * 0600, replaced whole by a rename so a crash leaves the old one or the new one.
 */
export async function writeConfig(path: string, config: ConfigFile): Promise<void> {
  const dir = dirname(path);
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  chmodSync(dir, 0o700);
  const { stringify } = await import('yaml');
  const tmp = `${path}.${process.pid}.tmp`;
  writeFileSync(tmp, stringify(config), { mode: 0o600 });
  chmodSync(tmp, 0o600);
  renameSync(tmp, path);
}
