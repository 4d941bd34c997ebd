import type { Cloud } from '@xenplane/testing';
import type { Page } from 'playwright-core';

/** A project with a token of it (a member's by default), as a tenant gets one. */
export interface Tenant {
  projectId: string;
  name: string;
  token: string;
}

export async function tenant(
  cloud: Cloud,
  name: string,
  quota?: Partial<Record<'instances' | 'vcpus' | 'memoryMb' | 'diskGb', number>>,
  role: 'admin' | 'member' | 'viewer' = 'member',
): Promise<Tenant> {
  const project = await cloud.api.post('/v1/projects', { name, ...(quota ? { quota } : {}) });
  if (project.status !== 201) throw new Error(`project ${name}: ${project.status} ${JSON.stringify(project.body)}`);
  const token = await cloud.api.post(`/v1/projects/${project.body.id}/tokens`, { name: 'console', role });
  if (token.status !== 201) throw new Error(`token for ${name}: ${token.status} ${JSON.stringify(token.body)}`);
  return { projectId: project.body.id, name, token: token.body.token };
}

/** A global token of a role (operator, admin...), as an operator gets one. */
export async function globalToken(cloud: Cloud, role: string): Promise<string> {
  const res = await cloud.api.post('/v1/tokens', { name: `console-${role}`, role });
  if (res.status !== 201) throw new Error(`global ${role} token: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body.token;
}

/** The VM list's row of a VM, by its name (the link in its first cell). */
export const vmRow = (page: Page, name: string) =>
  page.locator('tbody tr').filter({ has: page.getByRole('link', { name, exact: true }) });

/** Waits until the VM's row shows a state (its badge), without touching the page. */
export async function waitForRowState(page: Page, name: string, state: string, timeout = 60_000): Promise<void> {
  await vmRow(page, name).locator(`[data-state="${state}"]`).waitFor({ timeout });
}

/**
 * A mark left in the page's window: still there later proves the page was not reloaded (what
 * changed came from the event stream, not a reload or a navigation that reloads the document).
 */
export async function markDocument(page: Page): Promise<() => Promise<boolean>> {
  const mark = `m${Math.random().toString(36).slice(2)}`;
  await page.evaluate((m) => ((globalThis as any).__xenplaneMark = m), mark);
  return async () => (await page.evaluate(() => (globalThis as any).__xenplaneMark as string | undefined)) === mark;
}
