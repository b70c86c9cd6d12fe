import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { AppConfig, parseDatabaseUrl } from '../../src/config/app-config';

describe(AppConfig.name, () => {
  it('uses the documented defaults', () => {
    const config = AppConfig.load({ env: {}, dataDir: '/tmp/sft-x' });
    expect(config).toMatchObject({
      port: 8443, host: '127.0.0.1', sessionTtlSeconds: 600, bcryptCost: 12, tokenTtlSeconds: 3600,
      database: { type: 'sqlite', path: join('/tmp/sft-x', 'sft.sqlite') },
      redisUrl: null, redisPrefix: 'sft:', waitRecheckMs: 1000, resumeTimeoutSeconds: 600,
    });
  });

  it('reads the Redis settings (option over environment) and keeps an empty SFT_REDIS_URL as "no Redis"', () => {
    expect(AppConfig.load({ env: { SFT_REDIS_URL: 'redis://r:6379', SFT_REDIS_PREFIX: 'x:', SFT_WAIT_RECHECK: '0.5' } })).toMatchObject({
      redisUrl: 'redis://r:6379', redisPrefix: 'x:', waitRecheckMs: 500,
    });
    expect(AppConfig.load({ env: { SFT_REDIS_URL: 'redis://r:6379' }, redisUrl: 'rediss://s:6380' }).redisUrl).toBe('rediss://s:6380');
    expect(AppConfig.load({ env: { SFT_REDIS_URL: '' } }).redisUrl).toBeNull();
  });

  it('reads the environment', () => {
    const config = AppConfig.load({
      env: { SFT_DATA_DIR: '/tmp/d', SFT_SESSION_TTL: '30', SFT_RESUME_TIMEOUT: '90', SFT_BCRYPT_COST: '13', SFT_TOKEN_TTL: '60', SFT_LOGIN_LIMIT: '2', SFT_DB_URL: 'mysql://u:p@h:3306/db' },
    });
    expect(config).toMatchObject({
      dataDir: '/tmp/d', sessionTtlSeconds: 30, resumeTimeoutSeconds: 90, bcryptCost: 13, tokenTtlSeconds: 60, loginLimit: 2,
      database: { type: 'mysql', url: 'mysql://u:p@h:3306/db' },
    });
  });

  it('prefers options over the environment', () => {
    expect(AppConfig.load({ env: { SFT_PORT: '1' }, port: 2 }).port).toBe(2);
  });

  it.each([
    [{ bcryptCost: 11 }, /bcryptCost/],
    [{ port: 70000 }, /port/],
    [{ sessionTtlSeconds: 1.5 }, /whole number/],
    [{ env: { SFT_TOKEN_TTL: '-5' } }, /SFT_TOKEN_TTL/],
    [{ env: { SFT_REDIS_URL: 'http://r:6379' } }, /SFT_REDIS_URL.*redis:\/\//],
    [{ env: { SFT_REDIS_URL: 'redis://[bad' } }, /SFT_REDIS_URL/],
    [{ env: { SFT_WAIT_RECHECK: '0' } }, /SFT_WAIT_RECHECK/],
    [{ env: { SFT_RESUME_TIMEOUT: '0' } }, /SFT_RESUME_TIMEOUT/],
    [{ env: { SFT_RESUME_TIMEOUT: 'soon' } }, /SFT_RESUME_TIMEOUT/],
  ])('refuses %j', (options, message) => {
    expect(() => AppConfig.load({ env: {}, ...options })).toThrow(message);
  });
});

describe(parseDatabaseUrl.name, () => {
  it('resolves relative sqlite paths', () => {
    expect(parseDatabaseUrl('sqlite:rel/x.db')).toEqual({ type: 'sqlite', path: join(process.cwd(), 'rel/x.db') });
  });

  it('refuses other schemes', () => {
    expect(() => parseDatabaseUrl('postgres://x')).toThrow(/sqlite:.*mysql:\/\//);
  });
});
