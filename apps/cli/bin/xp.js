#!/usr/bin/env node
// The `xp` command: the CLI as built by scripts/build.mjs (swc into dist/). A published package
// would ship dist/apps/cli/src and point its own bin here; see docs/CLI.md.
'use strict';
// Node 22.1+ keeps compiled code between runs (a CLI a CI job runs hundreds of times starts faster)
require('node:module').enableCompileCache?.();
require('../../../dist/apps/cli/src/main.js');
