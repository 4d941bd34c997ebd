// Test tiers (see README "Tests"):
//   unit         *.spec.ts beside the code, no I/O
//   integration  *.int.spec.ts: a real Postgres and Redis, processes on free ports
//   e2e          apps/cloud-e2e: the whole cloud as separate processes over HTTP and gRPC
//   xen          apps/xen-e2e: the agent against a real Xen booted in QEMU
const preset = require('./jest.preset');

const tier = (displayName, testMatch, extra = {}) => ({
  ...preset,
  displayName,
  testMatch,
  ...extra,
});

const slow = { setupFilesAfterEnv: ['<rootDir>/jest.slow-setup.js'] };

module.exports = {
  projects: [
    tier('unit', ['<rootDir>/{apps,libs}/**/src/**/*.spec.ts'], {
      testPathIgnorePatterns: [...preset.testPathIgnorePatterns, '\\.int\\.spec\\.ts$', '\\.e2e\\.spec\\.ts$'],
    }),
    tier('integration', ['<rootDir>/{apps,libs,bench}/**/*.int.spec.ts'], slow),
    tier('e2e', ['<rootDir>/apps/cloud-e2e/src/**/*.e2e.spec.ts'], slow),
    tier('xen', ['<rootDir>/apps/xen-e2e/src/**/*.e2e.spec.ts'], slow),
  ],
};
