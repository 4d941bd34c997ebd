import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { RENDER_COMMAND, renderAll } from './render';
import { SAMPLES } from './samples';

const DIR = join(__dirname, '../../queries');

/** Where two texts first part, as `line n: committed | rendered`. */
function firstDifference(committed: string, rendered: string): string {
  const [a, b] = [committed.split('\n'), rendered.split('\n')];
  const n = a.findIndex((line, i) => line !== b[i]);
  const at = n < 0 ? a.length : n;
  return `line ${at + 1}: committed ${JSON.stringify(a[at] ?? '(end)')}, rendered ${JSON.stringify(b[at] ?? '(end)')}`;
}

describe('libs/db/queries (the rendered SQL of every hand-written statement)', () => {
  it('holds exactly what the code renders now', async () => {
    const rendered = await renderAll();
    const committed = existsSync(DIR) ? readdirSync(DIR).filter((f) => f.endsWith('.sql')) : [];
    const drift = [
      ...[...rendered].flatMap(([name, text]) => {
        const path = join(DIR, name);
        if (!existsSync(path)) return [`${name}: missing`];
        const old = readFileSync(path, 'utf8');
        return old === text ? [] : [`${name}: ${firstDifference(old, text)}`];
      }),
      ...committed.filter((name) => !rendered.has(name)).map((name) => `${name}: no statement renders it any more`),
    ];
    if (drift.length)
      throw new Error(
        `libs/db/queries is out of date; regenerate it with \`${RENDER_COMMAND}\` and commit it:\n${drift.join('\n')}`,
      );
  });

  it('renders every module that sends raw SQL', () => {
    const src = join(__dirname, '..');
    const sending = readdirSync(src)
      .filter((f) => f.endsWith('.ts') && !f.endsWith('.spec.ts'))
      .filter((f) => /\$(queryRaw|executeRaw)\b/.test(readFileSync(join(src, f), 'utf8')))
      .map((f) => f.replace(/\.ts$/, ''));
    // migrate.ts applies migration files through its own pg client: no statement of ours to show
    expect(sending.filter((m) => !(m in SAMPLES))).toEqual([]);
  });

  it('shows each statement whole, its parameters listed', async () => {
    const claims = (await renderAll()).get('claims.sql')!;
    expect(claims).toContain('-- claimHost (one VM)\n/* prepared:claim_hosts */\n');
    expect(claims).toMatch(/^-- \$1 = '\[\{"vm_id":"00000000-0000-4000-8000-000000000020"/m);
  });
});
