// Integration, e2e and real-Xen tests start processes and wait on them: generous per-test time
// (jest's testTimeout is global; this sets it for the slow tiers only).
jest.setTimeout(Number(process.env.XENPLANE_TEST_TIMEOUT_MS ?? 300_000));
