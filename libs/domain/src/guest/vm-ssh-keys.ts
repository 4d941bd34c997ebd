import { MAX_SSH_KEYS, parseSshPublicKey, sshKeyReference } from './ssh-keys';

/** A keypair of the VM's project, as `sshKeys` may name it. */
export interface NamedKey {
  name: string;
  publicKey: string;
}

export type ResolvedSshKeys = { keys: string[] } | { field: string; message: string };

/** The keypair names `sshKeys` refers to (to look up in the VM's project, and only there). */
export function keypairNamesIn(entries: readonly string[]): string[] {
  const names = new Set<string>();
  for (const e of entries) {
    const ref = sshKeyReference(e);
    if (ref.kind === 'keypair') names.add(ref.name);
  }
  return [...names];
}

/**
 * The keys a VM is created with, from its request's `sshKeys`: each entry a literal OpenSSH
 * public key or the name of one of its project's keypairs (`found`: the project's keypairs by
 * those names; a name not there, also one another project uses, is refused the same way, so
 * nothing about other projects shows). In order, each key once; the first bad entry refuses all.
 */
export function resolveSshKeys(entries: readonly string[], found: readonly NamedKey[]): ResolvedSshKeys {
  if (entries.length > MAX_SSH_KEYS) return { field: 'sshKeys', message: `at most ${MAX_SSH_KEYS} keys` };
  const byName = new Map(found.map((k) => [k.name, k.publicKey]));
  const keys: string[] = [];
  const seen = new Set<string>();
  for (const [i, entry] of entries.entries()) {
    const field = `sshKeys[${i}]`;
    const ref = sshKeyReference(entry);
    const text = ref.kind === 'keypair' ? byName.get(ref.name) : entry;
    if (text === undefined) {
      return { field, message: `no keypair named ${JSON.stringify(entry.trim())} in this project` };
    }
    const parsed = parseSshPublicKey(text);
    if ('refusal' in parsed) return { field, message: parsed.refusal };
    const identity = `${parsed.key.type} ${parsed.key.body}`;
    if (seen.has(identity)) continue;
    seen.add(identity);
    keys.push(parsed.key.line);
  }
  return { keys };
}
