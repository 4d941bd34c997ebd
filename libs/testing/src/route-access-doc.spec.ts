import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { renderRouteAccess } from '@xenplane/domain';

const API_MD = join(__dirname, '../../../docs/API.md');
const BLOCK = /(<!-- route-access:begin -->\n)[\s\S]*?(<!-- route-access:end -->)/;

/**
 * docs/API.md shows the role matrix the guard enforces, rendered from the same table.
 * `XENPLANE_WRITE_DOCS=1 npx jest libs/testing/src/route-access-doc.spec.ts` rewrites it.
 */
describe('the role matrix in docs/API.md', () => {
  it('is the one the guard reads', () => {
    const doc = readFileSync(API_MD, 'utf8');
    expect(doc).toMatch(BLOCK);
    const rendered = doc.replace(BLOCK, `$1${renderRouteAccess()}\n$2`);
    if (process.env['XENPLANE_WRITE_DOCS'] === '1') writeFileSync(API_MD, rendered);
    else expect(doc).toBe(rendered);
  });
});
