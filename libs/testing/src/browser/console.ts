import type { Page } from 'playwright-core';

/**
 * Signs in to the console with a token, as a person does: the sign-in form's token field, its
 * button, then the app shell (its navigation) once GET /v1/whoami accepted the token. The token
 * stays in the tab's sessionStorage (never the URL), so later page.goto()s in the same page are
 * signed in. `path` is where to land first (default `/`).
 */
export async function signIn(page: Page, token: string, path = '/'): Promise<void> {
  await page.goto(path);
  await page.getByLabel('API token').fill(token);
  await page.getByRole('button', { name: /sign in/i }).click();
  await page.getByRole('navigation', { name: 'Main' }).waitFor();
}
