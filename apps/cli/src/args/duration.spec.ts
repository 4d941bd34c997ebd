import { InvalidArgumentError } from 'commander';
import { formatDuration, parseDuration, parseTimeout, parseTtl } from './duration';

describe('durations on the command line', () => {
  it.each([
    ['10m', 600_000],
    ['90s', 90_000],
    ['1h30m', 5_400_000],
    ['500ms', 500],
    ['2d', 172_800_000],
    ['45', 45_000],
  ])('%s is %d ms', (text, ms) => expect(parseDuration(text)).toBe(ms));

  it.each(['10x', 'm', '1.5h', '-5s', '10 m', 'ten minutes', ''])('refuses %j', (text) => {
    expect(() => parseDuration(text)).toThrow(InvalidArgumentError);
  });

  it('gives a TTL in whole seconds, as CreateVmDto.ttlSeconds wants, between 1 s and 30 days', () => {
    expect(parseTtl('10m')).toBe(600);
    expect(parseTtl('30d')).toBe(2_592_000);
    expect(() => parseTtl('31d')).toThrow('between 1s and 30d');
    expect(() => parseTtl('0s')).toThrow('between 1s and 30d');
    expect(() => parseTtl('1500ms')).toThrow('whole seconds');
  });

  it('refuses a timeout of nothing', () => {
    expect(parseTimeout('2m')).toBe(120_000);
    expect(() => parseTimeout('0s')).toThrow(InvalidArgumentError);
  });

  it('says durations back the way they are typed', () => {
    expect(formatDuration(120_000)).toBe('2m');
    expect(formatDuration(5_400_000)).toBe('1h30m');
    expect(formatDuration(250)).toBe('250ms');
  });
});
