/** Benchmarks print one JSON document and a table of the same figures. */
export function report(
  name: string,
  rows: Record<string, string | number>[],
  extra: Record<string, unknown> = {},
): void {
  const doc = { benchmark: name, at: new Date().toISOString(), node: process.version, ...extra, results: rows };
  console.log(JSON.stringify(doc, null, 2));
  const columns = [...new Set(rows.flatMap((r) => Object.keys(r)))];
  const width = (c: string) => Math.max(c.length, ...rows.map((r) => String(r[c] ?? '').length));
  const line = (cells: string[]) => `| ${cells.map((c, i) => c.padEnd(width(columns[i]!))).join(' | ')} |`;
  console.log();
  console.log(line(columns));
  console.log(`|${columns.map((c) => '-'.repeat(width(c) + 2)).join('|')}|`);
  for (const r of rows) console.log(line(columns.map((c) => String(r[c] ?? ''))));
}

export function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

export const round = (n: number, digits = 1) => Math.round(n * 10 ** digits) / 10 ** digits;
