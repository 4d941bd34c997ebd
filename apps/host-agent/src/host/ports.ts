import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pickListenPort } from '@xenplane/config';

/**
 * The port a host listens on. An explicit one wins; otherwise a free one is picked on first
 * start and kept in the state directory, so the address the control plane knows stays true
 * across restarts.
 */
export async function stablePort(stateDir: string, requested: number, host: string): Promise<number> {
  if (requested > 0) return requested;
  const file = join(stateDir, 'port');
  if (existsSync(file)) return Number(readFileSync(file, 'utf8'));
  const port = await pickListenPort(host);
  mkdirSync(stateDir, { recursive: true, mode: 0o700 });
  writeFileSync(file, String(port));
  return port;
}
