#!/usr/bin/env node
// Static checks: types (the server side and the web console), lint (zero warnings), formatting (Prettier), the agent protocol's lint,
// the OpenAPI document's lint.
import { join } from 'node:path';
import { bin, root, run } from './lib.mjs';

run(bin('tsc'), ['-p', 'tsconfig.json']);
// the web console: DOM and JSX, its own settings
run(bin('tsc'), ['-p', 'apps/console/tsconfig.json']);
// the module-boundary rule reads Nx's project graph; without one it silently checks nothing
run(bin('nx'), ['show', 'projects'], { env: { ...process.env, NX_DAEMON: 'false' }, stdio: 'ignore' });
run(bin('eslint'), ['--max-warnings', '0', '.']);
// the code's one layout (`npx prettier --write .` fixes what this finds)
run(bin('prettier'), ['--check', '--log-level', 'warn', '.']);
run(bin('buf'), ['lint'], { cwd: join(root, 'libs/proto') });
// the committed OpenAPI document by redocly.yaml's rules; no telemetry leaves a check
run(bin('redocly'), ['lint', 'docs/openapi.json'], {
  env: { ...process.env, REDOCLY_TELEMETRY: 'off', REDOCLY_SUPPRESS_UPDATE_NOTICE: 'true' },
});
console.log('static checks passed');
