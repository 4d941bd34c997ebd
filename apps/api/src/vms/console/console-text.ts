/**
 * The console's bytes as text. A tail cut at a byte count may start inside a multi-byte UTF-8
 * character: those leading continuation bytes (at most 3) are dropped rather than shown as
 * U+FFFD. Anything else that is not UTF-8 (a guest may print anything) shows as U+FFFD.
 */
export function consoleText(data: Uint8Array, truncated: boolean): string {
  let start = 0;
  if (truncated) while (start < 3 && start < data.length && (data[start]! & 0xc0) === 0x80) start++;
  return Buffer.from(data.buffer, data.byteOffset + start, data.length - start).toString('utf8');
}
