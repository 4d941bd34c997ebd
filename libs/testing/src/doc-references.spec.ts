import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';

const root = join(__dirname, '../../..');
const SKIP = new Set(['node_modules', 'dist', 'generated', 'coverage', 'tmp', 'work']);
const READ = /\.(ts|mjs|js|md|prisma|yml|yaml|proto|json)$/;

function* files(dir: string): Generator<string> {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (entry.name.startsWith('.') || SKIP.has(entry.name)) continue;
    const path = join(dir, entry.name);
    if (entry.isDirectory()) yield* files(path);
    else if (READ.test(entry.name) && entry.name !== 'package-lock.json') yield path;
  }
}

describe('documents the project cites', () => {
  // a name alone is the repository's, docs/' or the citing file's neighbour
  it('exist: every .md file a file names is in the repository', () => {
    const missing: string[] = [];
    for (const file of files(root)) {
      for (const [cited] of readFileSync(file, 'utf8').matchAll(/(?<![\w./-])(?:[\w-]+\/)*[\w-]+\.md\b/g)) {
        const found = [join(root, cited), join(root, 'docs', cited), join(dirname(file), cited)].some((p) =>
          existsSync(p),
        );
        if (!found) missing.push(`${relative(root, file)}: ${cited}`);
      }
    }
    expect(missing).toEqual([]);
  });
});
