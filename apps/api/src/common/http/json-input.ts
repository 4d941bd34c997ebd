/**
 * What the API refuses to read anywhere in a request's input, whatever the route: checked once
 * at the edge (input-guard.ts), before class-transformer, class-validator or Postgres see it.
 */

/** Arrays and objects nested deeper than this are refused (no field needs more than 3). */
export const MAX_JSON_DEPTH = 32;

/**
 * Keys that name a member of every object's prototype (`__proto__`, `constructor`, `toString`...)
 * or `prototype`: as a key of input they either reach a prototype or trip the code that reads them.
 */
export const FORBIDDEN_KEYS: ReadonlySet<string> = new Set([
  ...Object.getOwnPropertyNames(Object.prototype),
  'prototype',
]);

export interface InputFault {
  /** where, as a path: `metadata.a`, `excludeHostIds[3]`; empty for the whole input */
  field: string;
  message: string;
}

interface Visit {
  value: unknown;
  /** containers from the root down to this value, itself included when it is one */
  depth: number;
  parent?: Visit;
  key?: string | number;
}

const pathOf = (v: Visit): string => {
  const keys: (string | number)[] = [];
  for (let at: Visit | undefined = v; at?.parent; at = at.parent) keys.unshift(at.key!);
  return keys.map((k, i) => (typeof k === 'number' ? `[${k}]` : i === 0 ? k : `.${k}`)).join('');
};

/**
 * The first thing in `input` (a parsed JSON body, or a parsed query) the API refuses: a string
 * or key holding NUL (Postgres cannot store one), a forbidden key, nesting past `maxDepth`.
 * Iterative: a recursive walk is what overflowed the stack on deep input.
 */
export function inputFault(input: unknown, maxDepth = MAX_JSON_DEPTH): InputFault | undefined {
  const stack: Visit[] = [{ value: input, depth: 0 }];
  while (stack.length) {
    const visit = stack.pop()!;
    const { value } = visit;
    if (typeof value === 'string') {
      if (value.includes('\u0000')) return { field: pathOf(visit), message: 'must not contain NUL characters' };
      continue;
    }
    if (value === null || typeof value !== 'object') continue;
    const depth = visit.depth + 1;
    if (depth > maxDepth) return { field: pathOf(visit), message: `nests arrays or objects deeper than ${maxDepth}` };
    if (Array.isArray(value)) {
      for (let i = value.length - 1; i >= 0; i--) stack.push({ value: value[i], depth, parent: visit, key: i });
      continue;
    }
    for (const key of Object.keys(value).reverse()) {
      const child: Visit = { value: (value as Record<string, unknown>)[key], depth, parent: visit, key };
      if (FORBIDDEN_KEYS.has(key)) return { field: pathOf(child), message: `${key} is not allowed as a key` };
      if (key.includes('\u0000')) return { field: pathOf(visit), message: 'keys must not contain NUL characters' };
      stack.push(child);
    }
  }
  return undefined;
}
