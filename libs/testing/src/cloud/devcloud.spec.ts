import { devCloudOptions, devCloudSettings } from './devcloud';

describe('npm start settings (devCloudSettings, devCloudOptions)', () => {
  const run = { adminToken: 'xp_from-state-dir-000000000000', fleetName: 'sim', reuseEnrollment: true };

  it('starts the cloud of README.md without any setting', () => {
    const s = devCloudSettings({ PATH: '/usr/bin' }, '/state');
    expect(s).toEqual({
      stateDir: '/state',
      databaseUrl: 'postgresql://postgres@127.0.0.1:5432/xenplane',
      redisUrl: 'redis://127.0.0.1:6379',
      apiPort: 8080,
      metricsPort: 9460,
      hosts: 3,
      queuePrefix: 'xenplane',
      logLevel: 'info',
      env: { PATH: '/usr/bin' },
    });
    expect(devCloudOptions(s, run)).toMatchObject({
      hosts: 3,
      apiPort: 8080,
      metricsBasePort: 9460,
      databaseUrl: 'postgresql://postgres@127.0.0.1:5432/xenplane',
      redisUrl: 'redis://127.0.0.1:6379',
      queuePrefix: 'xenplane',
      logLevel: 'info',
      stateDir: '/state',
      adminToken: run.adminToken,
      timings: 'production',
      rateLimits: 'configured',
      reuseEnrollment: true,
      fleetName: 'sim',
    });
  });

  it('honours the queue prefix, the log level and the admin token', () => {
    const token = 'xp_chosen-by-the-operator-0000000';
    const s = devCloudSettings(
      { XENPLANE_QUEUE_PREFIX: 'prune', LOG_LEVEL: 'debug', XENPLANE_ADMIN_TOKEN: token },
      '/state',
    );
    expect(s).toMatchObject({ queuePrefix: 'prune', logLevel: 'debug', adminToken: token });
    expect(devCloudOptions(s, { ...run, adminToken: token })).toMatchObject({
      queuePrefix: 'prune',
      logLevel: 'debug',
      adminToken: token,
    });
  });

  it('honours the database, Redis, ports and fleet size', () => {
    const s = devCloudSettings(
      {
        DATABASE_URL: 'postgresql://postgres@127.0.0.1:5432/xp_other',
        REDIS_URL: 'redis://127.0.0.1:6380',
        API_PORT: '18080',
        METRICS_PORT: '19460',
        XENPLANE_SIM_HOSTS: '5',
      },
      '/state',
    );
    expect(devCloudOptions(s, run)).toMatchObject({
      databaseUrl: 'postgresql://postgres@127.0.0.1:5432/xp_other',
      redisUrl: 'redis://127.0.0.1:6380',
      apiPort: 18080,
      metricsBasePort: 19460,
      hosts: 5,
    });
  });

  it("passes every other setting on to the cloud's processes, but runs them as in production", () => {
    const env = {
      XENPLANE_PKI_DIR: '/pki',
      SCHEDULER_ROLES: 'operations',
      SCHEDULER_CONCURRENCY: '16',
      HEARTBEAT_TIMEOUT_MS: '3000',
      AGENT_SELF_FENCE: '0',
      SIM_BOOT_MS: '10',
      API_HOST: '0.0.0.0',
      NODE_ENV: 'development',
    };
    const { env: passed } = devCloudOptions(devCloudSettings(env, '/state'), run);
    const { NODE_ENV: _, ...expected } = env;
    expect(passed).toEqual(expected);
  });

  it("runs the API with its own rate limits, or the environment's, not a test cloud's", () => {
    const limits = {
      RATE_LIMIT_PER_TOKEN: '50',
      RATE_LIMIT_PER_ADDRESS_UNAUTHENTICATED: '10',
      RATE_LIMIT_WINDOW_SECONDS: '5',
    };
    const options = devCloudOptions(devCloudSettings(limits, '/state'), run);
    expect(options).toMatchObject({ rateLimits: 'configured', env: limits });
  });

  it('admits a large fleet enrolling from 127.0.0.1 unless the per-address limit is set', () => {
    expect(devCloudSettings({ XENPLANE_SIM_HOSTS: '60' }, '/state').env).toEqual({ XENPLANE_SIM_HOSTS: '60' });
    expect(devCloudSettings({ XENPLANE_SIM_HOSTS: '500' }, '/state').env).toEqual({
      XENPLANE_SIM_HOSTS: '500',
      RATE_LIMIT_PER_ADDRESS_UNAUTHENTICATED: '620',
    });
    const chosen = { XENPLANE_SIM_HOSTS: '500', RATE_LIMIT_PER_ADDRESS_UNAUTHENTICATED: '0' };
    expect(devCloudSettings(chosen, '/state').env).toEqual(chosen);
  });

  it('refuses settings it could not start a cloud with, saying which', () => {
    expect(() => devCloudSettings({ XENPLANE_ADMIN_TOKEN: 'short' }, '/state')).toThrow(/XENPLANE_ADMIN_TOKEN/);
    expect(() => devCloudSettings({ XENPLANE_SIM_HOSTS: 'many' }, '/state')).toThrow(/XENPLANE_SIM_HOSTS/);
    expect(() => devCloudSettings({ API_HOST: '10.0.0.1' }, '/state')).toThrow(/API_HOST/);
  });
});
