#!/usr/bin/env node
// The `xp` command: the CLI as built by scripts/build.mjs (swc into dist/). A published package
// would ship dist/apps/cli/src and point its own bin here; see docs/CLI.md.
'use strict';
require('../../../dist/apps/cli/src/main.js');
