import { Cloud } from '@xenplane/testing';
import {
  browserDescribe,
  checkAccessibility,
  consoleDir,
  launchChromium,
  openPage,
  screenshot,
  signIn,
  type TestPage,
} from '@xenplane/testing/browser';
import type { Browser, Page } from 'playwright-core';
import { markDocument, type Tenant, tenant, vmRow, waitForRowState } from './console-helpers';

/**
 * The web console as a tenant uses it, in Debian's chromium against a whole cloud (the API
 * serving the console's build at `/`): sign in, the VM list live from the event stream, filters
 * in the URL, isolation between projects, problems shown; axe-core on every page visited and
 * screenshots of them under test-artifacts/console/.
 */
browserDescribe('the web console, as a tenant (chromium)', () => {
  let cloud: Cloud;
  let browser: Browser;
  let alice: Tenant;
  let bob: Tenant;
  let t: TestPage;

  beforeAll(async () => {
    [cloud, browser] = await Promise.all([
      Cloud.start({ hosts: 2, env: { CONSOLE_DIR: consoleDir() } }),
      launchChromium(),
    ]);
    alice = await tenant(cloud, 'alice');
    bob = await tenant(cloud, 'bob');
  });
  afterAll(async () => {
    await browser?.close();
    await cloud?.stop();
  });
  beforeEach(async () => {
    t = await openPage(browser, { baseURL: cloud.apiUrl });
  });
  afterEach(async () => {
    const errors = t.errors;
    await t.close();
    // no uncaught exception, no console error (a Content-Security-Policy violation is one)
    expect(errors).toEqual([]);
  });

  const createVm = async (who: Tenant, name: string, extra: Record<string, unknown> = {}) => {
    const res = await cloud.api
      .withToken(who.token)
      .post('/v1/vms', { name, flavor: 'xp.micro', image: 'tiny-pv', ttlSeconds: 3600, ...extra });
    if (res.status !== 202) throw new Error(`create ${name}: ${res.status} ${JSON.stringify(res.body)}`);
    return res.body.vms as { id: string; name: string }[];
  };

  it('refuses a bad token with the API’s problem shown, and keeps no token anywhere but the tab', async () => {
    const { page } = t;
    await page.goto('/');
    await checkAccessibility(page, 'the sign-in page');
    await screenshot(page, 'sign-in');
    await page.getByLabel('API token').fill('xp_not-a-token');
    await page.getByRole('button', { name: 'Sign in' }).click();
    const alert = page.getByRole('alert');
    await alert.waitFor();
    const text = await alert.innerText();
    expect(text).toContain('Sign-in failed');
    // the problem's own words (401 from GET /v1/whoami), not a generic "error"
    expect(text).toMatch(/401/);
    await screenshot(page, 'sign-in-refused');
    expect(page.url()).not.toContain('xp_');
    expect(await page.getByRole('navigation', { name: 'Main' }).count()).toBe(0);
  });

  it('signs in; the VM list shows a VM created meanwhile reach running, live, without a reload', async () => {
    const { page } = t;
    const sent: string[] = [];
    page.on('request', (r) => sent.push(`${r.method()} ${new URL(r.url()).pathname}`));
    await signIn(page, alice.token);
    await page.waitForURL(/\/vms$/);
    await page.getByText('No VMs yet.').waitFor();
    // the token is in the tab's sessionStorage only: not the URL, not localStorage, not a cookie
    expect(page.url()).not.toContain(alice.token);
    expect(await page.evaluate(() => JSON.stringify({ ...(globalThis as any).localStorage }))).not.toContain(
      alice.token,
    );
    expect(await t.context.cookies()).toEqual([]);
    expect(await page.evaluate(() => JSON.stringify({ ...(globalThis as any).sessionStorage }))).toContain(alice.token);

    const sameDocument = await markDocument(page);
    const [vm] = await createVm(alice, 'live');
    await vmRow(page, 'live').waitFor({ timeout: 30_000 });
    await waitForRowState(page, 'live', 'running');
    expect(await sameDocument()).toBe(true);
    // the change came down the event stream (one subscription), not from reloading the page
    expect(sent.filter((s) => s === 'GET /v1/events').length).toBeGreaterThanOrEqual(1);
    expect(sent.filter((s) => s === 'GET /').length).toBe(1);
    const running = await cloud.api.withToken(alice.token).get(`/v1/vms/${vm!.id}`);
    expect(running.body.state).toBe('running');
    // the address the VM got is shown in its row once it has one
    const ip = running.body.addresses?.[0]?.ip as string | undefined;
    if (ip) await vmRow(page, 'live').getByText(ip).waitFor();

    await checkAccessibility(page, 'the VM list');
    await screenshot(page, 'vm-list');

    // and deleted from elsewhere, the row says so, still without a reload
    expect((await cloud.api.withToken(alice.token).delete(`/v1/vms/${vm!.id}`)).status).toBe(202);
    await page.waitForFunction(
      (name) => {
        const doc = (globalThis as any).document;
        const link = [...doc.querySelectorAll('tbody tr a')].find((a: any) => a.textContent === name) as any;
        return !link || link.closest('tr').querySelector('[data-state="deleted"]');
      },
      'live',
      { timeout: 60_000 },
    );
    expect(await sameDocument()).toBe(true);
  });

  /** Chooses an option of a Mantine Select by its label and the option's text. */
  const choose = async (page: Page, label: string, option: RegExp) => {
    await page.getByRole('combobox', { name: label, exact: true }).click();
    await page.getByRole('option', { name: option }).click();
  };

  it('creates a VM with the form, sees it reach running live, reads its console, deletes it', async () => {
    const { page } = t;
    await signIn(page, alice.token);
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Create VMs' }).click();
    await page.waitForURL(/\/vms\/new$/);
    await page.getByRole('textbox', { name: 'Name', exact: true }).fill('made-in-browser');
    await choose(page, 'Flavor', /^xp\.micro /);
    await choose(page, 'Image', /^tiny-pv /);
    await page.getByLabel('Time to live', { exact: true }).fill('2h');
    // the quota left, with what this request adds, before submitting
    await page.getByRole('status').getByText('Fits in what is left.').waitFor();
    await page.getByText(/^Instances: \d+ \+ 1 of \d+/).waitFor();
    await checkAccessibility(page, 'the create form');
    await screenshot(page, 'create-vm');

    const sameDocument = await markDocument(page);
    await page.getByRole('button', { name: 'Create VM', exact: true }).click();
    await page.waitForURL(/\/vms\/[0-9a-f-]{36}$/);
    const vmId = page.url().split('/').pop()!;
    const heading = page.getByRole('heading', { level: 1, name: 'made-in-browser' });
    await heading.waitFor();
    // the state badge beside the name goes to running by itself (the event stream)
    await page.locator('h1 + [data-state="running"]').waitFor({ timeout: 60_000 });
    expect(await sameDocument()).toBe(true);
    const vm = (await cloud.api.withToken(alice.token).get(`/v1/vms/${vmId}`)).body;
    expect(vm).toMatchObject({ name: 'made-in-browser', state: 'running', flavor: { name: 'xp.micro' } });
    expect(vm.expiresAt).toBeTruthy();
    await page.getByText('No operation in flight.').waitFor();
    // the actions its state accepts (the API's `actions`): a running VM cannot be started
    expect(vm.actions).toEqual(['stop', 'reboot', 'migrate', 'delete']);
    expect(await page.getByRole('button', { name: 'Start', exact: true }).isDisabled()).toBe(true);
    expect(await page.getByRole('button', { name: 'Stop', exact: true }).isEnabled()).toBe(true);
    await checkAccessibility(page, 'a VM’s page');
    await screenshot(page, 'vm-page');

    // its history: the events from the first, in the page's own tab (state in the URL)
    await page.getByRole('tab', { name: 'History' }).click();
    await page.waitForURL(/[?&]tab=history/);
    await page
      .getByRole('table', { name: 'Events' })
      .getByRole('cell', { name: /^running/ })
      .first()
      .waitFor();
    await checkAccessibility(page, 'a VM’s history');
    await screenshot(page, 'vm-history');

    // the console log: what the API says the guest printed
    await page.getByRole('tab', { name: 'Console log' }).click();
    const output = page.getByLabel('Console output');
    await output.waitFor();
    const logged = (await cloud.api.withToken(alice.token).get(`/v1/vms/${vmId}/console`)).body.output as string;
    const firstLine = logged.split('\n').find((l) => l.trim())!;
    expect(firstLine).toBeTruthy();
    expect(await output.innerText()).toContain(firstLine.trim());
    await checkAccessibility(page, 'a VM’s console log');
    await screenshot(page, 'vm-console');

    // delete, confirmed in a dialog; the page follows the VM to deleted
    await page.getByRole('tab', { name: 'Overview' }).click();
    await page.getByRole('button', { name: 'Delete', exact: true }).click();
    const dialog = page.getByRole('dialog', { name: 'Delete made-in-browser?' });
    await dialog.waitFor();
    await checkAccessibility(page, 'the delete confirmation');
    await screenshot(page, 'vm-delete-confirm');
    // cancelling deletes nothing
    await dialog.getByRole('button', { name: 'Cancel' }).click();
    await dialog.waitFor({ state: 'detached' });
    expect((await cloud.api.withToken(alice.token).get(`/v1/vms/${vmId}`)).body.state).toBe('running');
    await page.getByRole('button', { name: 'Delete', exact: true }).click();
    await dialog.getByRole('button', { name: 'Delete', exact: true }).click();
    await page.getByRole('status').getByText('Delete: accepted').waitFor();
    await page.locator('h1 + [data-state="deleted"]').waitFor({ timeout: 60_000 });
    expect(await sameDocument()).toBe(true);
    expect(await page.getByRole('button', { name: 'Delete', exact: true }).isDisabled()).toBe(true);
    expect((await cloud.api.withToken(alice.token).get(`/v1/vms/${vmId}`)).body.state).toBe('deleted');
  });

  it('shows the API’s problem when a create is refused (over quota), before and after submitting', async () => {
    const { page } = t;
    const carol = await tenant(cloud, 'carol', { instances: 2 });
    await signIn(page, carol.token, '/vms/new');
    await page.getByRole('textbox', { name: 'Name', exact: true }).fill('too-many');
    await choose(page, 'Flavor', /^xp\.micro /);
    await choose(page, 'Image', /^tiny-pv /);
    await page.getByLabel('Count', { exact: true }).fill('3');
    // before submitting: the form says the request does not fit
    await page
      .getByRole('status')
      .getByText(/^Over quota: .*instances/i)
      .waitFor();
    await page.getByRole('button', { name: 'Create 3 VMs' }).click();

    const alert = page.getByRole('alert').filter({ hasText: 'The VMs were not created' });
    await alert.waitFor();
    // the very words of the API's problem (the same request refused the same way)
    const refused = await cloud.api
      .withToken(carol.token)
      .post('/v1/vms', { name: 'too-many', flavor: 'xp.micro', image: 'tiny-pv', count: 3 });
    expect(refused.status).toBeGreaterThanOrEqual(400);
    expect(refused.status).toBeLessThan(500);
    expect(refused.body.detail).toBeTruthy();
    const shown = await alert.innerText();
    expect(shown).toContain(refused.body.detail);
    expect(shown).toContain(`(${refused.status})`);
    expect(page.url()).toMatch(/\/vms\/new$/);
    expect(await cloud.db.vm.count({ where: { projectId: carol.projectId } })).toBe(0);
    await checkAccessibility(page, 'the create form with a refusal');
    await screenshot(page, 'create-vm-refused');
  });

  it('shows the project’s quota as bars; a token created shows its secret once, works, and is revoked', async () => {
    const { page } = t;
    const dave = await tenant(cloud, 'dave', { instances: 4 }, 'admin');
    await createVm(dave, 'one');
    await signIn(page, dave.token);
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Project' }).click();
    await page.getByRole('heading', { level: 1, name: 'Project dave' }).waitFor();
    await page.getByText('Instances: 1 of 4').waitFor();
    expect(await page.getByRole('progressbar').count()).toBeGreaterThanOrEqual(4);

    await page.getByLabel('Token name').fill('from-the-console');
    await page.getByRole('button', { name: 'Create token' }).click();
    const secret = (await page.getByLabel('New token secret').innerText()).trim();
    expect(secret).toMatch(/^xp_/);
    expect((await cloud.api.withToken(secret).get('/v1/whoami')).body).toMatchObject({
      projectId: dave.projectId,
      role: 'member',
    });
    await checkAccessibility(page, 'the project page');
    await screenshot(page, 'project');
    // shown once: gone after leaving the page and coming back, and never in the token list
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Virtual machines' }).click();
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Project' }).click();
    await page.getByRole('cell', { name: 'from-the-console', exact: true }).waitFor();
    expect(await page.getByLabel('New token secret').count()).toBe(0);
    expect(await page.content()).not.toContain(secret);

    await page.getByRole('button', { name: 'Revoke from-the-console' }).click();
    await page
      .getByRole('dialog', { name: 'Revoke from-the-console?' })
      .getByRole('button', { name: 'Revoke' })
      .click();
    await page
      .getByRole('row', { name: /from-the-console/ })
      .getByText(/^revoked /)
      .waitFor();
    expect((await cloud.api.withToken(secret).get('/v1/whoami')).status).toBe(401);
  });

  it('signs out when the API stops taking the token (revoked), says why, and keeps nothing of it', async () => {
    const { page } = t;
    const erin = await tenant(cloud, 'erin');
    await createVm(erin, 'erins-machine');
    await signIn(page, erin.token);
    await vmRow(page, 'erins-machine').waitFor();
    const own = (await cloud.api.get(`/v1/projects/${erin.projectId}/tokens`)).body.items as { id: string }[];
    for (const tok of own) expect((await cloud.api.delete(`/v1/tokens/${tok.id}`)).status).toBe(204);

    // the next read (opening another page) is refused with 401: the console signs out by itself
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Project' }).click();
    await page.getByRole('status').filter({ hasText: 'no longer accepts this token' }).waitFor();
    await page.getByLabel('API token').waitFor();
    expect(await page.getByRole('navigation', { name: 'Main' }).count()).toBe(0);
    const stored = await page.evaluate(() => JSON.stringify({ ...(globalThis as any).sessionStorage }));
    expect(stored).not.toContain(erin.token);
    expect(await page.content()).not.toContain('erins-machine');
    await screenshot(page, 'signed-out-token-revoked');
  });

  it('keeps the filters in the URL: a reload or a shared link shows the same VMs', async () => {
    const { page } = t;
    await createVm(alice, 'db', { count: 2 });
    await createVm(alice, 'web');
    await signIn(page, alice.token);
    await vmRow(page, 'db-1').waitFor();
    await vmRow(page, 'web').waitFor();

    await page.getByLabel('Name starts with').fill('db');
    await page.getByRole('button', { name: 'Filter', exact: true }).click();
    await page.waitForURL(/[?&]name=db\b/);
    await vmRow(page, 'web').waitFor({ state: 'detached' });
    await vmRow(page, 'db-1').waitFor();
    await vmRow(page, 'db-2').waitFor();

    const filtered = page.url();
    await page.reload();
    await vmRow(page, 'db-2').waitFor();
    expect(await page.getByLabel('Name starts with').inputValue()).toBe('db');
    expect(await vmRow(page, 'web').count()).toBe(0);
    await screenshot(page, 'vm-list-filtered');

    // the same link in another tab (signed in there too) shows the same list
    const other = await openPage(browser, { baseURL: cloud.apiUrl });
    try {
      await signIn(other.page, alice.token, new URL(filtered).pathname + new URL(filtered).search);
      await vmRow(other.page, 'db-1').waitFor();
      expect(await vmRow(other.page, 'web').count()).toBe(0);
      expect(other.errors).toEqual([]);
    } finally {
      await other.close();
    }
  });

  it('never shows a tenant another project’s VM: not in the list, not at its URL', async () => {
    const { page } = t;
    const [secret] = await createVm(bob, 'bobs-secret');
    await createVm(alice, 'alices-own');
    await cloud.waitForVmState(secret!.id, 'running');
    await signIn(page, alice.token);
    await vmRow(page, 'alices-own').waitFor();
    await page.getByText(/\d+ VMs?/).waitFor();
    expect(await page.getByText('bobs-secret').count()).toBe(0);
    expect(await page.content()).not.toContain(secret!.id);

    // straight to bob's VM's page: a problem shown, nothing of the VM
    const answers: number[] = [];
    page.on('response', (r) => {
      if (new URL(r.url()).pathname.startsWith(`/v1/vms/${secret!.id}`)) answers.push(r.status());
    });
    await page.goto(`/vms/${secret!.id}`);
    await page.getByRole('alert').waitFor();
    expect(await page.getByRole('alert').innerText()).toMatch(/404|not found/i);
    expect(await page.getByText('bobs-secret').count()).toBe(0);
    expect(answers.length).toBeGreaterThan(0);
    expect(answers.every((s) => s === 404)).toBe(true);
    await screenshot(page, 'vm-not-yours');
  });
});
