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
      Cloud.start({ hosts: 3, env: { CONSOLE_DIR: consoleDir() }, agentEnv: { SIM_MIGRATION_MBPS: '256' } }),
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
});
