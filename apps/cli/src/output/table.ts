/**
 * A plain text table: a header row, columns padded to their widest cell, two spaces apart, the
 * last column unpadded. No table library is installed; this is all `xp` needs of one.
 */
/** An API object as a table reads it: fields by name. */
export type Row = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any -- read by name, printed as text

export interface Column<T> {
  header: string;
  value: (row: T) => unknown;
}

export function cellText(v: unknown): string {
  if (v === undefined || v === null) return '';
  if (Array.isArray(v)) return v.map(cellText).join(',');
  if (typeof v === 'object') return JSON.stringify(v);
  // one line per row: a value with a newline would break the columns
  return String(v).replace(/\s*\n\s*/g, ' ');
}

export function renderTable<T>(rows: readonly T[], columns: readonly Column<T>[]): string {
  const cells = [
    columns.map((c) => c.header.toUpperCase()),
    ...rows.map((r) => columns.map((c) => cellText(c.value(r)))),
  ];
  const widths = columns.map((_, i) => Math.max(...cells.map((line) => [...line[i]!].length)));
  return cells
    .map((line) =>
      line
        .map((cell, i) => (i === line.length - 1 ? cell : cell + ' '.repeat(widths[i]! - [...cell].length)))
        .join('  ')
        .trimEnd(),
    )
    .join('\n')
    .concat('\n');
}

/** One object as `key  value` lines (xp vm get on a TTY). */
export function renderFields(obj: Record<string, unknown>): string {
  const rows = Object.entries(obj).map(([k, v]) => ({ k, v }));
  const width = Math.max(0, ...rows.map((r) => r.k.length));
  return rows.map((r) => `${r.k.padEnd(width)}  ${cellText(r.v)}`.trimEnd()).join('\n') + '\n';
}
