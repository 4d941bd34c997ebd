import { InvalidArgumentError } from 'commander';

const UNIT_MS: Record<string, number> = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 };
const PART = /(\d+)(ms|s|m|h|d)/g;
const WHOLE = /^(?:\d+(?:ms|s|m|h|d))+$/;

/**
 * `10m`, `90s`, `1h30m`, `500ms`, `2d` → milliseconds; a bare number is seconds. (The `ms`
 * package is only a transitive dependency here, untyped, reads a bare number as milliseconds and
 * does not take `1h30m`: a dozen lines are cheaper than adding it.)
 */
export function parseDuration(text: string): number {
  const t = text.trim();
  if (/^\d+$/.test(t)) return Number(t) * 1_000;
  if (!WHOLE.test(t))
    throw new InvalidArgumentError(`"${text}" is not a duration (e.g. 90s, 10m, 1h30m, 2d; a bare number is seconds)`);
  let total = 0;
  for (const [, n, unit] of t.matchAll(PART)) total += Number(n) * UNIT_MS[unit!]!;
  return total;
}

/** The longest TTL the API takes (CreateVmDto's MAX_TTL_SECONDS: 30 days). */
export const MAX_TTL_SECONDS = 30 * 24 * 3600;

/** A VM's time to live as the API wants it: whole seconds, 1 s to 30 days. */
export function parseTtl(text: string): number {
  const ms = parseDuration(text);
  if (ms % 1_000 !== 0) throw new InvalidArgumentError(`"${text}": a TTL is whole seconds`);
  const seconds = ms / 1_000;
  if (seconds < 1 || seconds > MAX_TTL_SECONDS)
    throw new InvalidArgumentError(`"${text}": a TTL is between 1s and 30d`);
  return seconds;
}

/** A wait's limit: more than nothing. */
export function parseTimeout(text: string): number {
  const ms = parseDuration(text);
  if (ms <= 0) throw new InvalidArgumentError(`"${text}": a timeout is more than 0`);
  return ms;
}

/** `2m`, `1h30m`, `45s`: how `xp` says a duration back. */
export function formatDuration(ms: number): string {
  if (ms < 1_000) return `${ms}ms`;
  let rest = Math.round(ms / 1_000);
  const parts: string[] = [];
  for (const [unit, size] of [
    ['d', 86_400],
    ['h', 3_600],
    ['m', 60],
    ['s', 1],
  ] as const) {
    if (rest >= size) {
      parts.push(`${Math.floor(rest / size)}${unit}`);
      rest %= size;
    }
  }
  return parts.join('');
}
