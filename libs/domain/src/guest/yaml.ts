/**
 * A YAML writer for the small documents cloud-init reads (meta-data, network-config): maps,
 * lists, strings, numbers and booleans, block style. Every string is double-quoted with every
 * character outside printable ASCII escaped, so no value, whatever a tenant put in it, can end
 * its scalar, start a key, or be read as another type (`yes`, `1e3`, `null`) by YAML 1.1 parsers
 * such as cloud-init's PyYAML.
 */
export type YamlValue = string | number | boolean | readonly YamlValue[] | { readonly [key: string]: YamlValue };

export function toYaml(value: { readonly [key: string]: YamlValue }): string {
  return lines(value, 0).join('\n') + '\n';
}

const PLAIN_KEY = /^[A-Za-z][A-Za-z0-9_-]*$/;

function lines(value: YamlValue, indent: number): string[] {
  const pad = ' '.repeat(indent);
  if (isList(value)) {
    if (!value.length) return [`${pad}[]`];
    return value.flatMap((item) => {
      if (isScalar(item)) return [`${pad}- ${scalar(item)}`];
      const inner = lines(item, indent + 2);
      // the first line of a nested block goes on the dash's own line
      return [`${pad}- ${inner[0]!.trimStart()}`, ...inner.slice(1)];
    });
  }
  if (isScalar(value)) return [`${pad}${scalar(value)}`];
  const entries = Object.entries(value);
  if (!entries.length) return [`${pad}{}`];
  return entries.flatMap(([k, v]) => {
    const key = PLAIN_KEY.test(k) ? k : quote(k);
    if (isScalar(v)) return [`${pad}${key}: ${scalar(v)}`];
    if ((isList(v) && !v.length) || (!isList(v) && !Object.keys(v).length))
      return [`${pad}${key}: ${isList(v) ? '[]' : '{}'}`];
    return [`${pad}${key}:`, ...lines(v, indent + 2)];
  });
}

function isList(v: YamlValue): v is readonly YamlValue[] {
  return Array.isArray(v);
}

function isScalar(v: YamlValue): v is string | number | boolean {
  return typeof v !== 'object';
}

function scalar(v: string | number | boolean): string {
  if (typeof v === 'string') return quote(v);
  if (typeof v === 'number' && !Number.isFinite(v)) throw new Error('YAML numbers must be finite');
  return String(v);
}

/** A double-quoted YAML scalar: printable ASCII as is, `"` and `\` escaped, everything else \u or \U. */
export function quote(s: string): string {
  let out = '"';
  for (const ch of s) {
    const cp = ch.codePointAt(0)!;
    if (ch === '"' || ch === '\\') out += `\\${ch}`;
    else if (cp >= 0x20 && cp < 0x7f) out += ch;
    else if (cp <= 0xffff) out += `\\u${cp.toString(16).padStart(4, '0')}`;
    else out += `\\U${cp.toString(16).padStart(8, '0')}`;
  }
  return `${out}"`;
}
