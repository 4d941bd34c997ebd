import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

export const AGENT_SCRIPT = 'dist/apps/host-agent/src/main.js';

/**
 * The node flags production starts the agent with, read from the one place they are written:
 * the exec-form CMD of the root Dockerfile's `host-agent` stage
 * (`node <flags> dist/apps/host-agent/src/main.js`); the Debian package's unit gets them from
 * there too (scripts/package-agent.mjs). For the bench, the tests and the packaging, which must
 * start the agent as production does. Not loaded by the agent.
 */
export function productionNodeFlags(dockerfile = findDockerfile(__dirname)): string[] {
  const cmd = /^CMD (\[.*\])$/m.exec(hostAgentStage(readFileSync(dockerfile, 'utf8')));
  if (!cmd) throw new Error(`no exec-form CMD in the host-agent stage of ${dockerfile}`);
  const argv = JSON.parse(cmd[1]!) as string[];
  const script = argv.indexOf(AGENT_SCRIPT);
  if (argv[0] !== 'node' || script < 0)
    throw new Error(`the CMD of ${dockerfile} does not run ${AGENT_SCRIPT} with node: ${cmd[1]}`);
  return argv.slice(1, script);
}

/** The text of the stage `FROM ... AS host-agent`, up to the next FROM. */
function hostAgentStage(text: string): string {
  const start = text.search(/^FROM \S+ AS host-agent$/m);
  if (start < 0) throw new Error('the Dockerfile has no host-agent stage');
  const next = text.slice(start + 1).search(/^FROM /m);
  return next < 0 ? text.slice(start) : text.slice(start, start + 1 + next);
}

/**
 * The repository's Dockerfile: above this module in the sources or in dist/, else in the working
 * directory (a build put outside the checkout with XENPLANE_DIST_DIR, run from the checkout).
 */
function findDockerfile(from: string): string {
  for (let dir = from; ; dir = dirname(dir)) {
    if (existsSync(join(dir, 'Dockerfile'))) return join(dir, 'Dockerfile');
    if (dirname(dir) === dir) break;
  }
  if (existsSync(join(process.cwd(), 'Dockerfile'))) return join(process.cwd(), 'Dockerfile');
  throw new Error(`no Dockerfile above ${from} nor in ${process.cwd()}`);
}
