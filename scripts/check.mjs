#!/usr/bin/env node
// Static checks: types, lint (zero warnings), the agent protocol's lint.
import { join } from 'node:path';
import { bin, root, run } from './lib.mjs';

run(bin('tsc'), ['-p', 'tsconfig.json']);
run(bin('eslint'), ['--max-warnings', '0', '.']);
run(bin('buf'), ['lint'], { cwd: join(root, 'libs/proto') });
console.log('static checks passed');
