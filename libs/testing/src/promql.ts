import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';

// words of PromQL that are not metric names: set operators, modifiers, and what Grafana adds
const KEYWORDS = new Set(['and', 'or', 'unless', 'bool', 'offset', 'inf', 'nan']);

/**
 * The metric names a PromQL expression selects: every identifier that is not a function call, a
 * keyword, a label name (in braces or in by/without/on/ignoring/group_left/group_right lists), a
 * string, a duration, or a Grafana variable. Enough for the expressions of deploy/ (not a parser
 * of the whole language: no subquery or @ modifiers there).
 */
export function promqlMetricNames(expr: string): string[] {
  const stripped = expr
    .replace(/"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'|`[^`]*`/g, ' ') // strings
    .replace(/\{[^}]*\}/g, ' ') // label matchers
    .replace(/\[[^\]]*\]/g, ' ') // ranges
    .replace(/\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/g, ' ') // label lists
    .replace(/\$\{?[A-Za-z_][A-Za-z0-9_]*\}?/g, ' '); // Grafana's $__rate_interval, ${datasource}
  const names = new Set<string>();
  for (const m of stripped.matchAll(/[A-Za-z_:][A-Za-z0-9_:]*/g)) {
    const after = stripped.slice(m.index! + m[0].length).trimStart();
    if (after.startsWith('(') || KEYWORDS.has(m[0].toLowerCase())) continue;
    // the tail of a number (1e3) or a duration (5m) is not a name
    if (/[0-9.]$/.test(stripped.slice(0, m.index!))) continue;
    names.add(m[0]);
  }
  return [...names];
}

/** Every PromQL expression of deploy/: the alert rules' and the Grafana dashboard's panels'. */
export function deployExpressions(root: string): { source: string; expr: string }[] {
  const rules = parse(readFileSync(join(root, 'deploy/prometheus/alerts.yml'), 'utf8')) as {
    groups: { rules: { alert?: string; record?: string; expr: string }[] }[];
  };
  const dashboard = JSON.parse(readFileSync(join(root, 'deploy/grafana/xenplane-dashboard.json'), 'utf8')) as {
    panels: { title: string; targets?: { expr: string }[] }[];
  };
  return [
    ...rules.groups.flatMap((g) => g.rules.map((r) => ({ source: `alert ${r.alert ?? r.record}`, expr: r.expr }))),
    ...dashboard.panels.flatMap((p) => (p.targets ?? []).map((t) => ({ source: `panel ${p.title}`, expr: t.expr }))),
  ];
}

/**
 * The series names a Prometheus text exposition offers: each metric's TYPE line, a histogram's
 * or summary's _bucket/_sum/_count (and quantiles) included.
 */
export function exportedSeriesNames(text: string): Set<string> {
  const names = new Set<string>();
  for (const m of text.matchAll(/^# TYPE (\S+) (\S+)$/gm)) {
    const [, name, type] = m as unknown as [string, string, string];
    names.add(name);
    if (type === 'histogram') for (const s of ['_bucket', '_sum', '_count']) names.add(name + s);
    if (type === 'summary') for (const s of ['_sum', '_count']) names.add(name + s);
  }
  return names;
}

/**
 * The sum of the samples of `name` in a text exposition whose labels include `labels` (all of
 * them, equal); 0 when none does. Label values with escaped quotes are not read (ours have none).
 */
export function sampleSum(text: string, name: string, labels: Record<string, string> = {}): number {
  let sum = 0;
  for (const line of text.split('\n')) {
    const m = /^([A-Za-z_:][A-Za-z0-9_:]*)(?:\{([^}]*)\})? (\S+)$/.exec(line);
    if (!m || m[1] !== name) continue;
    const have = Object.fromEntries(
      [...(m[2] ?? '').matchAll(/([A-Za-z_][A-Za-z0-9_]*)="([^"]*)"/g)].map((l) => [l[1], l[2]]),
    );
    if (Object.entries(labels).every(([k, v]) => have[k] === v)) sum += Number(m[3]);
  }
  return sum;
}
