import { closeSync, existsSync, fsyncSync, mkdirSync, openSync, readFileSync, renameSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import type { HostIdentity } from '../enrollment/enrollment';

/** Where a host keeps its identity (its key, its certificate, the CA it trusts). */
export const identityFile = (stateDir: string) => join(stateDir, 'identity.json');

export function readIdentity(stateDir: string): HostIdentity | undefined {
  const file = identityFile(stateDir);
  return existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as HostIdentity) : undefined;
}

/**
 * Replaces the identity file so that a crash at any moment leaves one whole identity, the old or
 * the new, never none nor half of one: the new one is written beside it (0600: it holds the
 * private key) and flushed, then renamed over it (atomic within a directory), then the
 * directory is flushed so the rename itself survives a power cut.
 */
export function writeIdentity(stateDir: string, identity: HostIdentity): void {
  mkdirSync(stateDir, { recursive: true, mode: 0o700 });
  const file = identityFile(stateDir);
  const temp = `${file}.new`;
  const fd = openSync(temp, 'w', 0o600);
  try {
    writeSync(fd, JSON.stringify(identity, null, 2));
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(temp, file);
  const dir = openSync(stateDir, 'r');
  try {
    fsyncSync(dir);
  } finally {
    closeSync(dir);
  }
}
