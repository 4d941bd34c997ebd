// Enrollment as production runs it: the built agent started with the Dockerfile's node flags
// (--lite-mode: no WebAssembly, so no fetch) enrolls with a control plane played here by an
// HTTP server and a real CA (startEnrollmentServer), then serves under the certificate it was given.
import { randomUUID } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createAgentClient } from '@xenplane/agent-client';
import { type CertificateAuthority, loadOrCreateCa } from '@xenplane/pki';
import { type EnrollmentServer, freePort, ManagedProcess, startEnrollmentServer, waitFor } from '@xenplane/testing';
import { AGENT_SCRIPT, productionNodeFlags } from '../node-flags';

const TOKEN = 'one-time-token';
const dist = process.env['XENPLANE_DIST_DIR'] ?? resolve(__dirname, '../../../../dist');
const main = join(dist, AGENT_SCRIPT.replace(/^dist\//, ''));

describe('agent enrollment under the production node flags', () => {
  const dir = mkdtempSync(join(tmpdir(), 'xenplane-enroll-'));
  const hostId = randomUUID();
  let ca: CertificateAuthority;
  let server: EnrollmentServer;
  const agents: ManagedProcess[] = [];

  beforeAll(async () => {
    ca = await loadOrCreateCa(join(dir, 'ca'));
    server = await startEnrollmentServer(ca, hostId, TOKEN);
  });
  afterAll(async () => {
    await Promise.all(agents.map((a) => a.stop()));
    await server.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const startAgent = (name: string, token: string, port: number) => {
    const agent = new ManagedProcess({
      name,
      command: process.execPath,
      args: [...productionNodeFlags(), main],
      cwd: dir,
      env: {
        PATH: process.env['PATH'] ?? '',
        AGENT_DRIVER: 'sim',
        AGENT_NAME: name,
        AGENT_STATE_DIR: join(dir, name),
        AGENT_PORT: String(port),
        AGENT_CONTROL_PLANE_URL: server.url,
        AGENT_ENROLLMENT_TOKEN: token,
      },
      logFile: join(dir, `${name}.log`),
    }).start();
    agents.push(agent);
    return agent;
  };

  it('runs the interpreter only, without WebAssembly', () => {
    expect(productionNodeFlags()).toEqual(expect.arrayContaining(['--lite-mode', '--no-expose-wasm']));
  });

  it('enrolls with its token, keeps its key, and serves under the certificate it was given', async () => {
    const port = await freePort();
    startAgent('good', TOKEN, port);
    const client = createAgentClient(
      `127.0.0.1:${port}`,
      hostId,
      { caCertPem: ca.caCertPem, ...(await ca.issueControlPlaneIdentity('test')) },
      2_000,
    );
    try {
      const info = await waitFor(
        'the enrolled agent to answer',
        () =>
          client.getHostInfo({}).then(
            (i) => i,
            () => undefined,
          ),
        { timeoutMs: 20_000 },
      );
      expect(info.hostId).toBe(hostId);
    } finally {
      client.close();
    }
    const request = server.seen.find((r) => r.name === 'good')!;
    expect(request).toMatchObject({ token: TOKEN, address: `127.0.0.1:${port}` });
    expect(request.csrPem).toContain('BEGIN CERTIFICATE REQUEST');
    const file = join(dir, 'good', 'identity.json');
    expect(statSync(file).mode & 0o777).toBe(0o600);
    const identity = JSON.parse(readFileSync(file, 'utf8')) as Record<string, string>;
    expect(identity).toMatchObject({ hostId, name: 'good', caCertPem: ca.caCertPem });
    expect(identity['keyPem']).toContain('PRIVATE KEY');
    expect(JSON.stringify(request)).not.toContain('PRIVATE KEY');
  });

  it("refused, exits with the control plane's reason and leaves no identity behind", async () => {
    const agent = startAgent('refused', 'wrong-token', await freePort());
    expect(await agent.waitForExit()).toBe(1);
    expect(agent.output()).toContain('enrollment of refused refused: 403 unknown enrollment token');
    expect(existsSync(join(dir, 'refused', 'identity.json'))).toBe(false);
  });
});
