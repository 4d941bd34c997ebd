import { QueueName } from '@xenplane/queue';
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
import type { Browser } from 'playwright-core';
import { failedJob } from '../helpers';
import { globalToken } from './console-helpers';

/**
 * The Queues page, in Debian's chromium: a global admin sees every queue's jobs by state and a
 * queue's failed jobs with why, and sends one back to be tried again; an operator has no such
 * page in the navigation (the API refuses it GET /v1/queues).
 */
browserDescribe('the web console’s Queues page (chromium)', () => {
  let cloud: Cloud;
  let browser: Browser;
  let t: TestPage;

  beforeAll(async () => {
    [cloud, browser] = await Promise.all([
      // no webhooks role: the failed job made below stays where the test puts it
      Cloud.start({
        hosts: 0,
        env: { CONSOLE_DIR: consoleDir() },
        schedulerEnv: { SCHEDULER_ROLES: 'operations,monitor' },
      }),
      launchChromium(),
    ]);
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

  it('shows an admin the queues and their failed jobs, and retries one', async () => {
    const { page } = t;
    const jobId = await failedJob(cloud, QueueName.Webhooks, 'receiver answered 500');
    await signIn(page, cloud.adminToken, '/queues');
    // an admin's navigation lists it (opened by its address: a hovered link is not what axe should judge)
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Queues' }).waitFor();
    const queues = page.getByRole('table', { name: 'Queues' });
    const webhooks = queues.getByRole('row', { name: /^webhooks/ });
    // waiting 0, prioritized 0, active 0, delayed 0, failed 1
    await webhooks.getByRole('cell').nth(4).getByText('1', { exact: true }).waitFor();
    const failed = page.getByRole('table', { name: 'Failed jobs of webhooks' });
    const row = failed.getByRole('row').filter({ hasText: jobId });
    await row.getByText('receiver answered 500').waitFor();
    await checkAccessibility(page, 'the Queues page');
    await screenshot(page, 'admin-queues');

    await row.getByRole('button', { name: 'Retry' }).click();
    await page.getByRole('dialog', { name: 'Retry this job?' }).getByRole('button', { name: 'Retry job' }).click();
    await page.getByText('No failed jobs in webhooks.').waitFor();
    // nothing works the webhooks queue here: the job waits, and the table says so
    await webhooks.getByRole('cell').nth(0).getByText('1', { exact: true }).waitFor();
    const [jobs, audit] = await Promise.all([
      cloud.api.get('/v1/queues/webhooks/jobs?state=waiting'),
      cloud.api.get('/v1/audit?action=queue_job.retry'),
    ]);
    expect(jobs.body.items.map((j: { id: string }) => j.id)).toEqual([jobId]);
    expect(audit.body.items).toEqual([
      expect.objectContaining({ status: 200, summary: { name: 'webhooks', job: jobId } }),
    ]);
  });

  it('has no Queues page for an operator', async () => {
    const { page } = t;
    await signIn(page, await globalToken(cloud, 'operator'));
    const nav = page.getByRole('navigation', { name: 'Main' });
    await nav.getByRole('link', { name: 'Operations' }).waitFor();
    expect(await nav.getByRole('link', { name: 'Queues' }).count()).toBe(0);
  });
});
