import { InvalidArgumentError } from 'commander';
import { type Column, renderFields, renderTable } from './table';

export const OUTPUT_FORMATS = ['table', 'json', 'yaml'] as const;
export type OutputFormat = (typeof OUTPUT_FORMATS)[number];

export function parseOutputFormat(text: string): OutputFormat {
  if (!(OUTPUT_FORMATS as readonly string[]).includes(text))
    throw new InvalidArgumentError(`"${text}" is not one of ${OUTPUT_FORMATS.join(', ')}`);
  return text as OutputFormat;
}

/** -o, else a table for a person at a terminal and JSON for a script reading a pipe. */
export function effectiveFormat(flag: OutputFormat | undefined, stdoutIsTty: boolean): OutputFormat {
  return flag ?? (stdoutIsTty ? 'table' : 'json');
}

/**
 * What a command prints. json and yaml are the API's objects as they are (a list: an array of
 * its items), so scripts read the API's documented shapes; a table shows the given columns, or
 * an object's fields one a line.
 */
export async function formatOutput<T>(
  data: T | readonly T[],
  format: OutputFormat,
  columns?: readonly Column<T>[],
): Promise<string> {
  switch (format) {
    case 'json':
      return JSON.stringify(data, null, 2) + '\n';
    case 'yaml': {
      // loaded on use: most runs print a table or JSON
      const { stringify } = await import('yaml');
      return stringify(data);
    }
    case 'table':
      if (Array.isArray(data)) return renderTable(data as readonly T[], columns ?? keysAsColumns(data as T[]));
      return columns ? renderTable([data as T], columns) : renderFields(data as Record<string, unknown>);
  }
}

function keysAsColumns<T>(rows: readonly T[]): Column<T>[] {
  const keys = [...new Set(rows.flatMap((r) => Object.keys(r as object)))];
  return keys.map((k) => ({ header: k, value: (r: T) => (r as Record<string, unknown>)[k] }));
}
