import { parseArgs } from 'node:util';

/**
 * A bench's `--name value` options, read by node:util's parseArgs. Not strict: a value may begin
 * with a dash (`--holder-nice -10`, `--node-flags '--trace-gc'`), and a bench that runs itself in
 * other roles passes options only those roles read.
 */
export function benchArgs(names: readonly string[], args = process.argv.slice(2)) {
  const { values } = parseArgs({
    args,
    strict: false,
    allowPositionals: true,
    options: Object.fromEntries(names.map((n) => [n, { type: 'string' as const }])),
  });
  const given = (name: string): string | undefined => {
    const v = values[name];
    // an option last on the line, with no value after it
    return v === undefined ? undefined : v === true ? '' : String(v);
  };
  return {
    /** the option's value, or def when it is not given */
    text: (name: string, def: string): string => given(name) ?? def,
    num: (name: string, def: number): number => {
      const v = given(name);
      return v === undefined ? def : Number(v);
    },
    /** the option's value, or undefined when it is not given */
    maybe: given,
  };
}
