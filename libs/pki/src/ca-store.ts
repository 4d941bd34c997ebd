import { existsSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as wait } from 'node:timers/promises';
import { CertificateAuthority } from './certificate-authority';
import { importPrivateKey, x509 } from './crypto';

const LOCK_STALE_MS = 30_000;

/**
 * The CA kept in a directory (ca.crt, ca.key with mode 0600), made on first use. The API and
 * the scheduler may both start first: a lock directory makes one of them create it while the
 * other waits and then reads it.
 */
export async function loadOrCreateCa(dir: string): Promise<CertificateAuthority> {
  const certFile = join(dir, 'ca.crt');
  const keyFile = join(dir, 'ca.key');
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const lock = join(dir, 'ca.lock');
  for (let waited = 0; !existsSync(certFile); waited += 50) {
    if (tryLock(lock)) {
      try {
        if (!existsSync(certFile)) {
          const { ca, keyPem } = await CertificateAuthority.create();
          writeFileSync(keyFile, keyPem, { mode: 0o600 });
          writeFileSync(certFile, ca.caCertPem, { mode: 0o644 });
          return ca;
        }
      } finally {
        rmSync(lock, { recursive: true, force: true });
      }
      break;
    }
    if (waited > LOCK_STALE_MS) rmSync(lock, { recursive: true, force: true });
    await wait(50);
  }
  const certPem = readFileSync(certFile, 'utf8');
  return new CertificateAuthority(
    certPem,
    new x509.X509Certificate(certPem),
    await importPrivateKey(readFileSync(keyFile, 'utf8')),
  );
}

function tryLock(lock: string): boolean {
  try {
    mkdirSync(lock);
    return true;
  } catch {
    // a lock left by a process that died mid-creation
    try {
      if (Date.now() - statSync(lock).mtimeMs > LOCK_STALE_MS) rmSync(lock, { recursive: true, force: true });
    } catch {
      // gone meanwhile
    }
    return false;
  }
}
