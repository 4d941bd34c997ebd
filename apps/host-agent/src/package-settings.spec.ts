// The Debian package's settings file (deploy/debian/agent.env, /etc/xenplane/agent.env once
// installed) lists every setting the agent reads, so an operator finds each one there.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { agentEnv } from './config';

describe('deploy/debian/agent.env', () => {
  const text = readFileSync(join(__dirname, '../../../deploy/debian/agent.env'), 'utf8');

  it('names every agent setting, commented out', () => {
    const listed = new Set([...text.matchAll(/^#([A-Z][A-Z0-9_]*)=/gm)].map((m) => m[1]));
    expect(Object.keys(agentEnv.shape).filter((k) => !listed.has(k))).toEqual([]);
    expect([...listed].filter((k) => !(k in agentEnv.shape))).toEqual([]);
  });

  it('sets nothing itself: the unit holds the package defaults', () => {
    expect(text.split('\n').filter((l) => l.trim() && !l.startsWith('#'))).toEqual([]);
  });
});
