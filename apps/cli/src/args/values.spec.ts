import { InvalidArgumentError } from 'commander';
import { collectCsv, collectKeyValue, intIn, readPublicKey, readTextArgument } from './values';

describe('option values', () => {
  it('gathers repeated --metadata k=v into one map, values keeping their own = signs', () => {
    let m = collectKeyValue('ci_job=1234');
    m = collectKeyValue('query=a=b', m);
    m = collectKeyValue('empty=', m);
    expect(m).toEqual({ ci_job: '1234', query: 'a=b', empty: '' });
  });

  it.each(['novalue', '=v'])('refuses --metadata %j', (text) => {
    expect(() => collectKeyValue(text)).toThrow(InvalidArgumentError);
  });

  it('refuses a key given twice rather than keep one of them silently', () => {
    expect(() => collectKeyValue('a=2', { a: '1' })).toThrow('"a" given twice');
  });

  it('splits --types a,b and adds repeats', () => {
    expect(collectCsv('c', collectCsv('a, b'))).toEqual(['a', 'b', 'c']);
    expect(() => collectCsv(',')).toThrow(InvalidArgumentError);
  });

  it('takes whole numbers within bounds only', () => {
    expect(intIn(1, 10)('3')).toBe(3);
    for (const bad of ['0', '11', '2.5', 'x', '-1']) expect(() => intIn(1, 10)(bad)).toThrow(InvalidArgumentError);
  });

  it('reads @FILE user-data from the file and anything else as the text itself', () => {
    const files: Record<string, string> = { 'ud.yaml': '#cloud-config\n' };
    const read = (p: string) => files[p]!;
    expect(readTextArgument('@ud.yaml', read)).toBe('#cloud-config\n');
    expect(readTextArgument('#cloud-config', read)).toBe('#cloud-config');
  });

  it('reads a public key file and refuses a private key', () => {
    expect(readPublicKey('k.pub', () => 'ssh-ed25519 AAAAC3 ci@runner\n')).toBe('ssh-ed25519 AAAAC3 ci@runner');
    expect(() => readPublicKey('k', () => '-----BEGIN OPENSSH PRIVATE KEY-----')).toThrow('give the .pub file');
    expect(() => readPublicKey('/nonexistent/key.pub')).toThrow('cannot read /nonexistent/key.pub: ENOENT');
  });
});
