import { generateKeyPairSync } from 'node:crypto';
import { MAX_SSH_KEYS, parseSshPublicKey, sshKeyReference } from './ssh-keys';
import { keypairNamesIn, resolveSshKeys } from './vm-ssh-keys';

// made by ssh-keygen (OpenSSH 9), with the fingerprints `ssh-keygen -l` printed for them
const ED25519 = 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAINiqwxncYm3IIQv2wTbF8Dg/PkGhR5whU/SSNi3EZnfJ alice@laptop';
const ED25519_FP = 'SHA256:gwDPopIDqDiftZA3nnqquH0LoXrpw5RK+c/nUzpJc0Y';
const ECDSA_256 =
  'ecdsa-sha2-nistp256 AAAAE2VjZHNhLXNoYTItbmlzdHAyNTYAAAAIbmlzdHAyNTYAAABBBJBChS/Q2fv8RxpduKxdT8e7bW/a7RbYtbNKwGvIyQZCbf6BKQCK4hdnmCngDc1snWVYjRVf6FKgAa7+KeiuwnE= ec256';
const ECDSA_256_FP = 'SHA256:YNe0hatRIYLJPphBzgJRqhluVjDWfRkmiFmOy7PgsuU';
const RSA_1024 =
  'ssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAAAgQCuTtZrzNZIxdFLUzgA0KPqJ16oTUvYEzTvwMXFT5i4pxlG9KRA0ACJLFbYRIfrzUt5BPKHNefhFSzVBfCNjUuchu3UjH5HyhJyI7tyNk61LjDvBnDeYHzBbhcjqOYzkh4DdGHSzmDqCHu1jTArf8lu3KWdnynSZj3rrv8oQArhBw== root@vm';

/** An OpenSSH blob: length-prefixed strings (RFC 4253). */
function blob(...fields: (string | Buffer)[]): string {
  return Buffer.concat(
    fields.flatMap((f) => {
      const b = typeof f === 'string' ? Buffer.from(f, 'latin1') : f;
      const len = Buffer.alloc(4);
      len.writeUInt32BE(b.length);
      return [len, b];
    }),
  ).toString('base64');
}

const jwkBytes = (v: string | undefined) => Buffer.from(v!, 'base64url');
/** An mpint: big-endian, a zero byte first when the top bit is set. */
const mpint = (b: Buffer) => (b[0]! & 0x80 ? Buffer.concat([Buffer.from([0]), b]) : b);

function rsaKey(bits: number): string {
  const jwk = generateKeyPairSync('rsa', { modulusLength: bits }).publicKey.export({ format: 'jwk' });
  return `ssh-rsa ${blob('ssh-rsa', mpint(jwkBytes(jwk.e)), mpint(jwkBytes(jwk.n)))} made-by-node`;
}

function ecdsaKey(curve: 'nistp384' | 'nistp521'): string {
  const named = curve === 'nistp384' ? 'P-384' : 'P-521';
  const jwk = generateKeyPairSync('ec', { namedCurve: named }).publicKey.export({ format: 'jwk' });
  const q = Buffer.concat([Buffer.from([4]), jwkBytes(jwk.x), jwkBytes(jwk.y)]);
  return `ecdsa-sha2-${curve} ${blob(`ecdsa-sha2-${curve}`, curve, q)}`;
}

const refusal = (text: string) => {
  const r = parseSshPublicKey(text);
  return 'refusal' in r ? r.refusal : undefined;
};

describe('parseSshPublicKey', () => {
  it('takes an ed25519 key with its comment, fingerprinted as ssh-keygen does', () => {
    const r = parseSshPublicKey(ED25519);
    expect(r).toEqual({
      key: {
        type: 'ssh-ed25519',
        body: ED25519.split(' ')[1],
        comment: 'alice@laptop',
        line: ED25519,
        fingerprint: ED25519_FP,
      },
    });
  });

  it('takes every supported type: rsa of 2048 bits and more, ecdsa on the three NIST curves', () => {
    for (const text of [rsaKey(2048), rsaKey(3072), ECDSA_256, ecdsaKey('nistp384'), ecdsaKey('nistp521')]) {
      expect({ text, refusal: refusal(text) }).toEqual({ text, refusal: undefined });
    }
    expect(parseSshPublicKey(ECDSA_256)).toMatchObject({ key: { fingerprint: ECDSA_256_FP, comment: 'ec256' } });
  });

  it('normalizes the spacing around it and keeps a comment with spaces', () => {
    const [type, body] = ED25519.split(' ');
    expect(parseSshPublicKey(`  ${type}   ${body}  my  work key  `)).toMatchObject({
      key: { comment: 'my work key', line: `${type} ${body} my work key` },
    });
    expect(parseSshPublicKey(`${type} ${body}`)).toMatchObject({ key: { comment: '', line: `${type} ${body}` } });
  });

  it.each([
    ['no type', 'AAAAC3NzaC1lZDI1NTE5AAAAINiqwxncYm3IIQv2wTbF8Dg/PkGhR5whU/SSNi3EZnfJ', /must start with the key type/],
    ['an unsupported type', ED25519.replace('ssh-ed25519', 'ssh-dss'), /must start with the key type/],
    ['an options prefix', `command="rm -rf /" ${ED25519}`, /must start with the key type/],
    ['no key after the type', 'ssh-ed25519', /has no key after ssh-ed25519/],
    ['a body that is not base64', 'ssh-ed25519 not*base64!', /not valid base64/],
    ['a body cut short', ED25519.slice(0, 60), /not valid base64|truncated/],
    ['a body of another type', ED25519.replace('ssh-ed25519', 'ssh-rsa'), /not a ssh-rsa key/],
    ['a second line', `${ED25519}\nssh-ed25519 AAAA evil`, /one line of printable characters/],
    ['a carriage return', `${ED25519}\r`, /one line of printable characters/],
    ['a tab', ED25519.replace(' ', '\t'), /one line of printable characters/],
    ['a Unicode line separator', `${ED25519}\u2028x`, /one line of printable characters/],
    ['a 1024-bit rsa key', RSA_1024, /at least 2048 bits \(this one has 1024\)/],
    [
      'an ed25519 key of the wrong size',
      `ssh-ed25519 ${blob('ssh-ed25519', Buffer.alloc(31))}`,
      /not a valid ssh-ed25519/,
    ],
    [
      'an ecdsa key naming another curve',
      `ecdsa-sha2-nistp256 ${blob('ecdsa-sha2-nistp256', 'nistp384', Buffer.alloc(65))}`,
      /not a valid ecdsa-sha2-nistp256/,
    ],
    ['bytes after the fields', `ssh-ed25519 ${blob('ssh-ed25519', Buffer.alloc(32), 'x')}`, /not a valid ssh-ed25519/],
    ['a length past the end', `ssh-ed25519 ${Buffer.from([0, 0, 0, 99, 1, 2, 3, 4]).toString('base64')}`, /truncated/],
    ['a private key', '-----BEGIN OPENSSH PRIVATE KEY-----', /must start with the key type/],
    ['a comment too long', `${ED25519} ${'c'.repeat(300)}`, /comment must be at most 255/],
    ['a huge line', `ssh-rsa ${'A'.repeat(9000)}`, /at most 8192 characters/],
  ])('refuses %s', (_what, text, message) => {
    expect(refusal(text)).toMatch(message);
  });
});

describe('sshKeyReference', () => {
  it('tells a keypair name from a literal key: a name has no whitespace', () => {
    expect(sshKeyReference('ci-key')).toEqual({ kind: 'keypair', name: 'ci-key' });
    expect(sshKeyReference(' laptop_2 ')).toEqual({ kind: 'keypair', name: 'laptop_2' });
    expect(sshKeyReference(ED25519)).toEqual({ kind: 'literal' });
    expect(sshKeyReference('not/a name')).toEqual({ kind: 'literal' });
  });
});

describe('resolveSshKeys', () => {
  const laptop = { name: 'laptop', publicKey: ECDSA_256 };

  it('resolves literal keys and keypair names, in order, each key once', () => {
    const [type, body] = ED25519.split(' ');
    expect(keypairNamesIn([ED25519, 'laptop', 'laptop', 'other'])).toEqual(['laptop', 'other']);
    expect(resolveSshKeys([ED25519, 'laptop', `${type} ${body} same key, other comment`, 'laptop'], [laptop])).toEqual({
      keys: [ED25519, ECDSA_256],
    });
    expect(resolveSshKeys([], [])).toEqual({ keys: [] });
  });

  it('names the first bad entry by its index: an unknown keypair, a bad literal', () => {
    expect(resolveSshKeys([ED25519, 'nope'], [laptop])).toEqual({
      field: 'sshKeys[1]',
      message: 'no keypair named "nope" in this project',
    });
    expect(resolveSshKeys(['laptop', 'ssh-rsa AAAAAQ== x'], [laptop])).toEqual({
      field: 'sshKeys[1]',
      message: 'the key is truncated or is not an OpenSSH public key',
    });
  });

  it(`refuses more than ${MAX_SSH_KEYS} entries`, () => {
    expect(resolveSshKeys(Array(MAX_SSH_KEYS + 1).fill(ED25519), [])).toEqual({
      field: 'sshKeys',
      message: `at most ${MAX_SSH_KEYS} keys`,
    });
  });
});
