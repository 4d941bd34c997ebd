import { createHash, randomBytes } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { type ApiClient, Cloud } from '@xenplane/testing';
import { waitForOperations } from './helpers';

const MiB = 1024 * 1024;
const LIMIT = 8 * MiB;

/**
 * Images with content, end to end: made pending, uploaded as a stream (checked against the
 * client's sha256, refused over IMAGE_MAX_BYTES, never held whole in the API's memory), visible
 * to their project only, pushed to a host the first time a VM there needs them, and deleted
 * with their content once no VM uses them.
 */
describe('images', () => {
  let cloud: Cloud;
  let storeDir: string;

  beforeAll(async () => {
    cloud = await Cloud.start({
      hosts: 1,
      env: { IMAGE_MAX_BYTES: String(LIMIT) },
      agentEnv: { SIM_BOOT_MS: '20', SIM_SHUTDOWN_MS: '0' },
    });
    storeDir = join(cloud.stateDir, 'images');
  });
  afterAll(() => cloud?.stop());

  const sha256 = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');
  const storeFiles = () => (existsSync(storeDir) ? readdirSync(storeDir) : []);
  const newImage = async (api: ApiClient, name: string, extra: Record<string, unknown> = {}) => {
    const res = await api.post('/v1/images', { name, guestType: 'pvh', kernel: '/boot/vmlinuz', ...extra });
    expect({ status: res.status, body: res.body }).toMatchObject({ status: 201, body: { status: 'pending' } });
    return res.body as { id: string; name: string };
  };
  const tenant = async (name: string): Promise<{ api: ApiClient; projectId: string }> => {
    const project = (await cloud.api.post('/v1/projects', { name })).body;
    const token = (await cloud.api.post(`/v1/projects/${project.id}/tokens`, { name, role: 'member' })).body.token;
    return { api: cloud.api.withToken(token), projectId: project.id };
  };

  it('keeps an uploaded image whose sha256 is the one named: active, with its size and checksum, in the store', async () => {
    const image = await newImage(cloud.api, 'e2e-raw');
    const content = randomBytes(4 * MiB);
    const res = await cloud.api.putBytes(`/v1/images/${image.id}/file`, content, {
      'x-checksum-sha256': sha256(content),
    });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({
      id: image.id,
      status: 'active',
      visibility: 'public',
      sizeBytes: 4 * MiB,
      sha256: sha256(content),
      sizeGb: 1,
      uploadedAt: expect.any(String),
    });
    expect((await cloud.api.get(`/v1/images/${image.id}`)).body).toEqual(res.body);
    expect(readFileSync(join(storeDir, image.id)).equals(content)).toBe(true);
    expect(storeFiles().filter((f) => f.endsWith('.part'))).toEqual([]);
    // its content never changes: a second upload is refused and the first kept
    const again = await cloud.api.putBytes(`/v1/images/${image.id}/file`, randomBytes(16));
    expect(again.status).toBe(409);
    expect(readFileSync(join(storeDir, image.id)).equals(content)).toBe(true);
  });

  it('keeps nothing of an upload whose sha256 is not the one named (422): the image stays pending', async () => {
    const image = await newImage(cloud.api, 'e2e-mismatch');
    const content = randomBytes(2 * MiB);
    const res = await cloud.api.putBytes(`/v1/images/${image.id}/file`, content, {
      'x-checksum-sha256': 'a'.repeat(64),
    });
    expect(res.status).toBe(422);
    expect(res.headers.get('content-type')).toContain('application/problem+json');
    expect(res.body).toMatchObject({ code: 'checksum_mismatch' });
    expect(res.body.detail).toContain(sha256(content));
    expect((await cloud.api.get(`/v1/images/${image.id}`)).body).toMatchObject({ status: 'pending' });
    expect((await cloud.api.get(`/v1/images/${image.id}`)).body.sha256).toBeUndefined();
    expect(storeFiles().filter((f) => f.startsWith(image.id))).toEqual([]);
  });

  it('refuses content over IMAGE_MAX_BYTES (413): no file, the image still pending', async () => {
    const image = await newImage(cloud.api, 'e2e-too-big');
    const res = await cloud.api.putBytes(`/v1/images/${image.id}/file`, Buffer.alloc(LIMIT + 1));
    expect(res.status).toBe(413);
    expect(res.body).toMatchObject({ code: 'payload_too_large' });
    expect((await cloud.api.get(`/v1/images/${image.id}`)).body).toMatchObject({ status: 'pending' });
    expect(storeFiles().filter((f) => f.startsWith(image.id))).toEqual([]);
  });

  it('takes raw images only, and says how to convert others', async () => {
    const res = await cloud.api.post('/v1/images', { name: 'e2e-qcow', guestType: 'hvm', diskFormat: 'qcow2' });
    expect(res.status).toBe(422);
    expect(res.body).toMatchObject({ code: 'unsupported_disk_format' });
    expect(res.body.detail).toContain('qemu-img convert -O raw');
    expect((await cloud.api.get('/v1/images')).body.items.map((i: { name: string }) => i.name)).not.toContain(
      'e2e-qcow',
    );
  });

  it('reads bytes on the upload route only: octet-stream anywhere else is 415, JSON on the upload route too', async () => {
    const image = await newImage(cloud.api, 'e2e-types');
    expect(
      (await cloud.api.request('POST', '/v1/vms', Buffer.from('{}'), { 'content-type': 'application/octet-stream' }))
        .status,
    ).toBe(415);
    expect((await cloud.api.request('PUT', `/v1/images/${image.id}/file`, { a: 1 })).status).toBe(415);
    expect((await cloud.api.get(`/v1/images/${image.id}`)).body).toMatchObject({ status: 'pending' });
  });

  it("keeps a project's image to that project: another gets 404 and cannot use it", async () => {
    const a = await tenant('images-a');
    const b = await tenant('images-b');
    const own = await newImage(a.api, 'e2e-a-only');
    expect((await a.api.get(`/v1/images/${own.id}`)).body).toMatchObject({
      visibility: 'project',
      projectId: a.projectId,
    });
    const content = randomBytes(MiB);
    expect((await a.api.putBytes(`/v1/images/${own.id}/file`, content)).status).toBe(200);
    expect((await b.api.get(`/v1/images/${own.id}`)).status).toBe(404);
    expect((await b.api.putBytes(`/v1/images/${own.id}/file`, content)).status).toBe(404);
    expect((await b.api.delete(`/v1/images/${own.id}`)).status).toBe(404);
    const seenByB = (await b.api.get('/v1/images')).body.items.map((i: { name: string }) => i.name);
    expect(seenByB).toContain('e2e-raw');
    expect(seenByB).not.toContain('e2e-a-only');
    expect((await a.api.get('/v1/images')).body.items.map((i: { name: string }) => i.name)).toContain('e2e-a-only');
    const vm = await b.api.post('/v1/vms', { name: 'thief', flavor: 'm1.small', image: own.id });
    expect(vm.status).toBe(400);
    // a public image is the operators' to change, though every project sees it
    const pub = (await b.api.get('/v1/images')).body.items.find((i: { name: string }) => i.name === 'e2e-raw');
    expect((await b.api.delete(`/v1/images/${pub.id}`)).status).toBe(403);
  });

  it('makes VMs of an uploaded image: the host gets the image once, and the image is deleted only once no VM uses it', async () => {
    const image = (await cloud.api.get('/v1/images?status=active')).body.items.find(
      (i: { name: string }) => i.name === 'e2e-raw',
    );
    const made = await Promise.all(
      ['from-image-1', 'from-image-2'].map((name) =>
        cloud.api.post('/v1/vms', { name, flavor: 'm1.small', image: image.id, networks: [] }),
      ),
    );
    expect(made.map((r) => r.status)).toEqual([202, 202]);
    await waitForOperations(
      cloud,
      made.map((r) => r.body.operations[0].id),
    );
    const vms = await Promise.all(made.map((r) => cloud.waitForVmState(r.body.vms[0].id, 'running')));
    const host = (await cloud.api.get(`/v1/hosts/${vms[0].hostId}`)).body;
    const agent = await cloud.agentClient(host.name);
    expect(await agent.getImage({ imageId: image.id })).toEqual({
      imageId: image.id,
      sha256: image.sha256,
      sizeBytes: image.sizeBytes,
    });
    // pushed once, though two VMs were built from it at once; each VM's root disk a copy-on-write layer over it
    const { items } = await agent.listStorage({ vmId: '' });
    expect(items.filter((i) => i.kind === 'image')).toEqual([
      expect.objectContaining({
        imageId: image.id,
        path: expect.stringMatching(new RegExp(`/images/${image.id}\\.raw$`)),
      }),
    ]);
    for (const vm of vms)
      expect(items.filter((i) => i.kind === 'disk' && i.vmId === vm.id).map((i) => i.path)).toEqual([
        expect.stringMatching(/-xvda\.cow$/),
      ]);
    expect((await cloud.api.delete(`/v1/images/${image.id}`)).status).toBe(409);
    const deletes = await Promise.all(vms.map((vm) => cloud.api.delete(`/v1/vms/${vm.id}`)));
    await waitForOperations(
      cloud,
      deletes.map((d) => d.body.id),
    );
    expect((await cloud.api.delete(`/v1/images/${image.id}`)).status).toBe(204);
    expect((await cloud.api.get(`/v1/images/${image.id}`)).status).toBe(404);
    expect(storeFiles()).not.toContain(image.id);
  });

  it("streams an upload through the API: 96 MiB raise the API's peak memory by far less", async () => {
    const big = await cloud.addApi({ IMAGE_MAX_BYTES: String(256 * MiB) });
    const pid = big.process.pid!;
    const status = () => readFileSync(`/proc/${pid}/status`, 'utf8');
    const kb = (field: string) => Number(new RegExp(`${field}:\\s+(\\d+) kB`).exec(status())![1]) * 1024;
    const image = await newImage(big.api, 'e2e-big');
    const content = randomBytes(96 * MiB);
    // the peak resident size from here on (Linux: 5 in clear_refs resets VmHWM to VmRSS)
    writeFileSync(`/proc/${pid}/clear_refs`, '5');
    const before = kb('VmRSS');
    const res = await big.api.putBytes(`/v1/images/${image.id}/file`, content, {
      'x-checksum-sha256': sha256(content),
    });
    expect(res.status).toBe(200);
    const peakGrowth = kb('VmHWM') - before;
    expect(peakGrowth).toBeLessThan(48 * MiB);
  });
});
