// The systemd deployment's settings files (deploy/systemd) name only settings the API reads.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { apiEnv } from './config';

const settings = (file: string) =>
  [...readFileSync(join(__dirname, '../../../deploy/systemd', file), 'utf8').matchAll(/^#?([A-Z][A-Z0-9_]*)=/gm)].map(
    (m) => m[1]!,
  );

describe('deploy/systemd settings files of the API', () => {
  it.each(['control-plane.env', 'api.env'])('%s names only settings the API reads', (file) => {
    const names = settings(file);
    expect(names.length).toBeGreaterThan(0);
    expect(names.filter((k) => !(k in apiEnv.shape))).toEqual([]);
  });
});
