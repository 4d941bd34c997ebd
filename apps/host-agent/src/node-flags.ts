import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';

export const AGENT_SCRIPT = 'dist/apps/host-agent/src/main.js';

/**
 * The node flags production starts the agent with, read from the one place they are written:
 * the exec-form CMD of apps/host-agent/Dockerfile (`node <flags> dist/apps/host-agent/src/main.js`).
 * For the bench and the tests, which must start the agent as production does. Not loaded by the agent.
 */
export function productionNodeFlags(dockerfile = resolve(__dirname, '../Dockerfile')): string[] {
  const cmd = /^CMD (\[.*\])$/m.exec(readFileSync(dockerfile, 'utf8'));
  if (!cmd) throw new Error(`no exec-form CMD in ${dockerfile}`);
  const argv = JSON.parse(cmd[1]!) as string[];
  const script = argv.indexOf(AGENT_SCRIPT);
  if (argv[0] !== 'node' || script < 0)
    throw new Error(`the CMD of ${dockerfile} does not run ${AGENT_SCRIPT} with node: ${cmd[1]}`);
  return argv.slice(1, script);
}
