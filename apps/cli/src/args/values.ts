import { readFileSync } from 'node:fs';
import { InvalidArgumentError } from 'commander';

/** commander's reducer for a repeatable `--metadata k=v`: each value added to the map so far. */
export function collectKeyValue(text: string, previous: Record<string, string> = {}): Record<string, string> {
  const eq = text.indexOf('=');
  if (eq <= 0) throw new InvalidArgumentError(`"${text}" is not key=value`);
  const key = text.slice(0, eq);
  if (Object.hasOwn(previous, key)) throw new InvalidArgumentError(`"${key}" given twice`);
  return { ...previous, [key]: text.slice(eq + 1) };
}

/** commander's reducer for a repeatable option that gathers a list. */
export function collectList(text: string, previous: string[] = []): string[] {
  return [...previous, text];
}

/** commander's reducer for `--types a,b --types c`: a list from comma-separated values. */
export function collectCsv(text: string, previous: string[] = []): string[] {
  const items = text
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  if (items.length === 0) throw new InvalidArgumentError(`"${text}" names nothing`);
  return [...previous, ...items];
}

/** A whole number in [min, max]. */
export function intIn(min: number, max: number): (text: string) => number {
  return (text) => {
    if (!/^\d+$/.test(text.trim())) throw new InvalidArgumentError(`"${text}" is not a whole number`);
    const n = Number(text);
    if (n < min || n > max) throw new InvalidArgumentError(`"${text}" is not between ${min} and ${max}`);
    return n;
  };
}

/** `@FILE` → the file's text; anything else is the text itself (cloud-init's `#cloud-config ...`). */
export function readTextArgument(text: string, read: (path: string) => string = readUtf8): string {
  return text.startsWith('@') ? read(text.slice(1)) : text;
}

/** An OpenSSH public key file's key (the API takes the key line itself). */
export function readPublicKey(path: string, read: (path: string) => string = readUtf8): string {
  const key = read(path).trim();
  if (!/^(ssh-|ecdsa-sha2-)/.test(key))
    throw new InvalidArgumentError(`${path} does not hold an OpenSSH public key (give the .pub file)`);
  return key;
}

function readUtf8(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (err) {
    throw new InvalidArgumentError(`cannot read ${path}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`);
  }
}
