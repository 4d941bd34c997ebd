import { consoleText } from './console-text';

describe('consoleText', () => {
  const bytes = (s: string) => new Uint8Array(Buffer.from(s, 'utf8'));

  it('reads a whole console as UTF-8', () => {
    expect(consoleText(bytes('héllo\nlogin: '), false)).toBe('héllo\nlogin: ');
  });

  it('drops the partial character a tail begins inside, and only that', () => {
    const whole = bytes('é€😀x');
    // cut 1 byte into é (2 bytes), 1 and 2 into € (3 bytes), 3 into 😀 (4 bytes)
    expect(consoleText(whole.subarray(1), true)).toBe('€😀x');
    expect(consoleText(whole.subarray(3), true)).toBe('😀x');
    expect(consoleText(whole.subarray(4), true)).toBe('😀x');
    expect(consoleText(whole.subarray(6), true)).toBe('x');
    // a whole console is shown as the guest wrote it, broken bytes as U+FFFD
    expect(consoleText(whole.subarray(1), false)).toBe('\ufffd€😀x');
  });

  it('shows bytes that are not UTF-8 as U+FFFD, and an empty console as empty', () => {
    expect(consoleText(new Uint8Array([0x41, 0xff, 0x42]), false)).toBe('A\ufffdB');
    expect(consoleText(new Uint8Array(), true)).toBe('');
  });
});
