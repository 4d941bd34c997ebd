import { Cloud, waitFor } from '@xenplane/testing';
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
import type { Browser } from 'playwright-core';
import { globalToken, markDocument, tenant, vmRow } from './console-helpers';

/**
 * The web console as an operator uses it, in Debian's chromium against a whole cloud: a global
 * operator token gets the operator pages too; draining a host moves its VMs to the others, and
 * the VM list (its host column) shows them move, live, without a reload.
 */
browserDescribe('the web console, as an operator (chromium)', () => {
  let cloud: Cloud;
  let browser: Browser;
  let operator: string;
  let t: TestPage;

  type HostRow = { id: string; name: string; state: string };
  const hosts = async () => (await cloud.api.get('/v1/hosts')).body.items as HostRow[];

  beforeAll(async () => {
    [cloud, browser] = await Promise.all([
      Cloud.start({
        hosts: 3,
        env: { CONSOLE_DIR: consoleDir() },
        agentEnv: { SIM_MIGRATION_MBPS: '256' },
        // the pools page plots what the scheduler samples: often enough for a test to see points
        schedulerEnv: { POOL_USAGE_SAMPLE_INTERVAL_MS: '1000' },
      }),
      launchChromium(),
    ]);
    operator = await globalToken(cloud, 'operator');
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
    expect(errors).toEqual([]);
  });

  it('drains a host and watches its VMs move to the other hosts in the VM list, live', async () => {
    const { page } = t;
    const team = await tenant(cloud, 'team');
    const [target, ...others] = (await hosts()).sort((a, b) => a.name.localeCompare(b.name));
    // every VM on the first host: the others take none while they are in maintenance
    for (const h of others)
      expect((await cloud.api.post(`/v1/hosts/${h.id}/maintenance`, { evacuate: false })).status).toBe(200);
    const created = await cloud.api
      .withToken(team.token)
      .post('/v1/vms', { name: 'move', flavor: 'xp.micro', image: 'tiny-pv', count: 3 });
    expect(created.status).toBe(202);
    await Promise.all(created.body.operations.map((o: { id: string }) => cloud.waitForOperation(o.id)));
    for (const h of others) expect((await cloud.api.post(`/v1/hosts/${h.id}/enable`, {})).status).toBe(200);
    const names: string[] = created.body.vms.map((v: { name: string }) => v.name);

    await signIn(page, operator);
    // the host column, for operators: every VM on the target host
    await page.getByRole('columnheader', { name: 'Host' }).waitFor();
    for (const n of names) await vmRow(page, n).getByRole('cell', { name: target!.name, exact: true }).waitFor();
    await checkAccessibility(page, 'the VM list (operator)');
    await screenshot(page, 'operator-vm-list-before-drain');

    // the drain from the Hosts page: the host's VMs listed under it, Maintenance…, Evacuate
    const nav = page.getByRole('navigation', { name: 'Main' });
    await nav.getByRole('link', { name: 'Hosts' }).click();
    const hostsTable = page.getByRole('table', { name: 'Hosts' });
    const row = hostsTable.getByRole('row').filter({ has: page.getByRole('button', { name: target!.name }) });
    await row.getByRole('button', { name: target!.name }).click();
    const onHost = page.getByRole('table', { name: `VMs on ${target!.name}` });
    for (const n of names) await onHost.getByRole('link', { name: n, exact: true }).waitFor();
    // where its peers reach it and when its certificate expires, as the API says
    const view = (await cloud.api.get(`/v1/hosts/${target!.id}`)).body;
    const identity = await page.getByTestId('host-identity').textContent();
    expect(identity).toContain(`Pool link ${view.peerAddress}`);
    expect(identity).toMatch(/certificate expires \S+/);
    await checkAccessibility(page, 'the Hosts page');
    await screenshot(page, 'operator-hosts');
    const sameDocument = await markDocument(page);
    await row.getByRole('button', { name: 'Maintenance…' }).click();
    const dialog = page.getByRole('dialog', { name: `Maintenance of ${target!.name}` });
    await dialog.waitFor();
    await checkAccessibility(page, 'the maintenance dialog');
    await dialog.getByRole('button', { name: 'Evacuate', exact: true }).click();
    await dialog.waitFor({ state: 'detached' });
    // the host's VM table empties as they move, live
    await page.getByText(`0 VMs on ${target!.name}`).waitFor({ timeout: 90_000 });
    expect(await sameDocument()).toBe(true);
    expect((await cloud.api.get(`/v1/hosts/${target!.id}`)).body.state).toBe('maintenance');
    await screenshot(page, 'operator-hosts-drained');

    await nav.getByRole('link', { name: 'Virtual machines' }).click();
    // each row's host cell leaves the drained host for one of the others, with no reload
    const otherNames = new Set(others.map((h) => h.name));
    await waitFor(
      'the rows to show every VM off the drained host',
      async () => {
        const cells = await Promise.all(names.map((n) => vmRow(page, n).locator('td').nth(4).innerText()));
        return cells.every((c) => otherNames.has(c.trim())) ? cells : undefined;
      },
      { timeoutMs: 90_000, intervalMs: 200 },
    );
    expect(await sameDocument()).toBe(true);
    // what the page shows is where the VMs are
    const byId = new Map((await hosts()).map((h) => [h.id, h.name]));
    for (const v of created.body.vms as { id: string; name: string }[]) {
      const vm = (await cloud.api.get(`/v1/vms/${v.id}`)).body;
      expect(otherNames.has(byId.get(vm.hostId)!)).toBe(true);
      expect((await vmRow(page, v.name).locator('td').nth(4).innerText()).trim()).toBe(byId.get(vm.hostId));
    }
    await screenshot(page, 'operator-vm-list-after-drain');
  });

  it('shows pools with usage plots and the HA plan, operations filtered by URL, the audit trail, a placement dry-run', async () => {
    const { page } = t;
    const team = await tenant(cloud, 'pages');
    const made = await cloud.api
      .withToken(team.token)
      .post('/v1/vms', { name: 'seen', flavor: 'xp.micro', image: 'tiny-pv' });
    expect(made.status).toBe(202);
    const vmId = made.body.vms[0].id as string;
    await cloud.waitForOperation(made.body.operations[0].id);
    const admin = await globalToken(cloud, 'admin');
    await signIn(page, admin);
    const nav = page.getByRole('navigation', { name: 'Main' });

    // pools: a plot per resource from the sampled history, the hosts by liveness of the HA plan
    await nav.getByRole('link', { name: 'Pools' }).click();
    await page.getByRole('heading', { level: 1, name: 'Pools' }).waitFor();
    await page.getByText(/^\d+ points?, each the mean of/).waitFor({ timeout: 30_000 });
    const figures = page.getByRole('figure');
    expect(await figures.count()).toBeGreaterThanOrEqual(3);
    const liveness = page.getByRole('table', { name: 'Hosts by liveness' });
    // one row per liveness state, the pool's 3 hosts counted across them (the drain above left one in maintenance)
    await waitFor('the HA plan to count the 3 hosts', async () => {
      const counts = await liveness.locator('tbody td').allInnerTexts();
      return counts.length && counts.reduce((sum, c) => sum + Number(c), 0) === 3 ? true : undefined;
    });
    await checkAccessibility(page, 'the Pools page');
    await screenshot(page, 'operator-pools');

    // operations: the filter goes into the URL, and the table shows the VM's create only
    await nav.getByRole('link', { name: 'Operations' }).click();
    const search = page.getByRole('search', { name: 'Filter operations' });
    await search.getByLabel('VM id').fill(vmId);
    await search.getByRole('button', { name: 'Filter' }).click();
    await page.waitForURL((u) => u.searchParams.get('vmId') === vmId);
    const ops = page.getByRole('table', { name: 'Operations' }).locator('tbody tr');
    await waitFor('the one operation of the VM', async () => ((await ops.count()) === 1 ? true : undefined));
    expect(await ops.first().innerText()).toMatch(/^create\b[\s\S]*succeeded/i);
    await checkAccessibility(page, 'the Operations page');
    await screenshot(page, 'operator-operations');

    // the audit trail (admins): the tenant's project creation is there, by the admin token
    await nav.getByRole('link', { name: 'Audit trail' }).click();
    const audit = page.getByRole('table', { name: 'Audit trail' });
    await audit.getByRole('row').filter({ hasText: '/v1/projects' }).first().waitFor();
    await checkAccessibility(page, 'the Audit trail page');
    await screenshot(page, 'operator-audit');

    // placement dry-run: a refusal is shown as the API said it; then the per-filter explanation
    await nav.getByRole('link', { name: 'Placement dry-run' }).click();
    const form = page.getByRole('form', { name: 'Dry-run request' });
    await form.getByRole('button', { name: 'Dry-run' }).click();
    const refused = page.getByRole('alert').filter({ hasText: 'The dry-run was refused' });
    await refused.waitFor();
    expect(await refused.innerText()).toMatch(/400|flavor|vcpus/i);
    await form.getByRole('combobox', { name: 'Flavor' }).click();
    await page.getByRole('option', { name: /^xp\.micro/ }).click();
    await form.getByRole('combobox', { name: 'Image' }).click();
    await page.getByRole('option', { name: 'tiny-pv (pv)', exact: true }).click();
    await form.getByRole('button', { name: 'Dry-run' }).click();
    const filters = page.getByRole('table', { name: 'Hosts removed per filter' });
    await filters.waitFor();
    expect(await filters.locator('tbody tr').count()).toBeGreaterThan(0);
    await page.getByText('placeable', { exact: true }).waitFor();
    await page.getByText('3 hosts considered').waitFor();
    expect(await refused.count()).toBe(0);
    await checkAccessibility(page, 'the Placement dry-run page');
    await screenshot(page, 'operator-placement');
  });

  it('keeps the audit trail from operators: no link, and its URL shows the API’s refusal', async () => {
    const { page } = t;
    await signIn(page, operator);
    const nav = page.getByRole('navigation', { name: 'Main' });
    await nav.getByRole('link', { name: 'Pools' }).waitFor();
    expect(await nav.getByRole('link', { name: 'Audit trail' }).count()).toBe(0);
    await page.goto('/audit');
    const alert = page.getByRole('alert').filter({ hasText: 'The audit trail could not be read' });
    await alert.waitFor();
    expect(await alert.innerText()).toMatch(/403/);
    expect(await page.getByRole('table', { name: 'Audit trail' }).locator('tbody tr').count()).toBe(0);
  });
});
