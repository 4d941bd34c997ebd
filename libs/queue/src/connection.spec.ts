import { sentinelOptions } from './connection';

describe('sentinelOptions', () => {
  it('takes the sentinels and the master name, and the master credentials, database and TLS from REDIS_URL', () => {
    expect(
      sentinelOptions({
        REDIS_URL: 'rediss://queue:s%3Acret@ignored:6379/2',
        REDIS_SENTINELS: 'sentinel-1:26379,10.0.0.2:26380,[fd00::3]:26379',
        REDIS_SENTINEL_NAME: 'xenplane',
      }),
    ).toEqual({
      sentinels: [
        { host: 'sentinel-1', port: 26379 },
        { host: '10.0.0.2', port: 26380 },
        { host: 'fd00::3', port: 26379 },
      ],
      name: 'xenplane',
      db: 2,
      username: 'queue',
      password: 's:cret',
      sentinelPassword: 's:cret',
      tls: {},
      enableTLSForSentinelMode: true,
    });
  });

  it('asks for no password, database 0 and plain TCP when REDIS_URL names none', () => {
    expect(sentinelOptions({ REDIS_URL: 'redis://localhost:6379', REDIS_SENTINELS: 's:26379' })).toEqual({
      sentinels: [{ host: 's', port: 26379 }],
      name: 'mymaster',
      db: 0,
    });
  });
});
