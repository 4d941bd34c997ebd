/**
 * Whether this machine must run every test, failing those it cannot run rather than skipping
 * them: CI (.ci/run sets XENPLANE_REQUIRE_XEN=1; CI=true elsewhere). A laptop without a tool a
 * test needs (chromium, promtool) skips that test and says why.
 */
export function mustRunEveryTest(env: NodeJS.ProcessEnv = process.env): boolean {
  const ci = env['CI'];
  return env['XENPLANE_REQUIRE_XEN'] === '1' || (ci !== undefined && ci !== '' && ci !== '0' && ci !== 'false');
}
