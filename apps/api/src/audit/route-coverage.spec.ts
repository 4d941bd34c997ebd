import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { METHOD_METADATA, PATH_METADATA } from '@nestjs/common/constants';
import { RequestMethod } from '@nestjs/common';
import { AUDITED_ROUTES, auditTargetOf } from '@xenplane/domain';

/** Every `*.controller.ts` of the API, loaded. */
function controllers(): (new (...args: never[]) => unknown)[] {
  const found: (new (...args: never[]) => unknown)[] = [];
  const walk = (dir: string): void => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) walk(path);
      else if (entry.name.endsWith('.controller.ts')) {
        // eslint-disable-next-line @typescript-eslint/no-require-imports
        for (const value of Object.values(require(path) as Record<string, unknown>)) {
          if (typeof value === 'function' && Reflect.getMetadata(PATH_METADATA, value) !== undefined) {
            found.push(value as new (...args: never[]) => unknown);
          }
        }
      }
    }
  };
  walk(join(__dirname, '..'));
  return found;
}

/** `METHOD /route/:template` of every handler, as Express will name it to the audit middleware. */
function routes(): string[] {
  return controllers().flatMap((ctrl) => {
    const base = String(Reflect.getMetadata(PATH_METADATA, ctrl));
    const names = Object.getOwnPropertyNames(ctrl.prototype).filter((n) => n !== 'constructor');
    return names.flatMap((name) => {
      const handler = (ctrl.prototype as Record<string, unknown>)[name];
      if (typeof handler !== 'function') return [];
      const path: unknown = Reflect.getMetadata(PATH_METADATA, handler);
      if (path === undefined) return [];
      const method = RequestMethod[Reflect.getMetadata(METHOD_METADATA, handler) as RequestMethod];
      const route = `/${[base, String(path)].join('/')}`.replace(/\/+/g, '/').replace(/(.)\/$/, '$1');
      return [`${method} ${route}`];
    });
  });
}

describe('the audit rules cover the API', () => {
  const all = routes();

  it('finds the routes (a sanity check of this test itself)', () => {
    expect(all).toEqual(expect.arrayContaining(['GET /v1/vms', 'POST /v1/vms/:id/actions', 'GET /v1/audit']));
  });

  it('gives every route that may change something a rule of its own', () => {
    const changes = all.filter((r) => {
      const [method, route] = r.split(' ') as [string, string];
      return auditTargetOf({ method, route, params: {}, body: {} }) !== null;
    });
    expect(changes.filter((r) => !AUDITED_ROUTES.includes(r))).toEqual([]);
    // and no rule is left over from a route that went away
    expect(AUDITED_ROUTES.filter((r) => !changes.includes(r))).toEqual([]);
  });
});
