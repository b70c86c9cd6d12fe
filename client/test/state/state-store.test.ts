import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { resolveSftHome } from '../../src/state/home';
import { StateStore } from '../../src/state/state-store';

let home: string;
let store: StateStore;
beforeEach(async () => {
  home = path.join(await fs.mkdtemp(path.join(os.tmpdir(), 'sft-state-')), 'home');
  store = new StateStore(home);
});
afterEach(async () => {
  await fs.rm(path.dirname(home), { recursive: true, force: true });
});

const SERVER = 'https://127.0.0.1:8443';

describe(StateStore.name, () => {
  it('stores credentials per server URL in a 0600 file inside a 0700 directory', async () => {
    await store.credentials.set(SERVER, { username: 'alice', token: 't1' });
    await store.credentials.set('https://other.example:9000', { username: 'bob', token: 't2' });
    expect((await store.credentials.get(`${SERVER}/`))?.username).toBe('alice');
    expect((await store.credentials.get('https://other.example:9000'))?.username).toBe('bob');
    expect((await fs.stat(path.join(home, 'credentials.json'))).mode & 0o777).toBe(0o600);
    expect((await fs.stat(home)).mode & 0o777).toBe(0o700);
  });

  it('forgets the credentials of one server only', async () => {
    await store.credentials.set(SERVER, { username: 'alice', token: 't1' });
    await store.credentials.set('https://other.example', { username: 'bob', token: 't2' });
    await store.credentials.delete(SERVER);
    expect(await store.credentials.get(SERVER)).toBeUndefined();
    expect(await store.credentials.get('https://other.example')).toBeDefined();
  });

  it('keeps identities per server and username in a 0600 file', async () => {
    const identity = { privateKeyPem: 'PEM', publicKey: 'pub', fingerprint: 'ff', createdAt: 'now' };
    await store.identities.set(SERVER, 'Alice', identity);
    expect(await store.identities.get(SERVER, 'alice')).toEqual(identity);
    expect(await store.identities.get(SERVER, 'bob')).toBeUndefined();
    expect((await fs.stat(path.join(home, 'identity.json'))).mode & 0o777).toBe(0o600);
  });

  it('pins peer keys per server and local user', async () => {
    const pin = { publicKey: 'k', fingerprint: 'f', firstSeen: 'now' };
    await store.knownPeers.set(SERVER, 'alice', 'bob', pin);
    expect(await store.knownPeers.get(SERVER, 'alice', 'bob')).toEqual(pin);
    expect(await store.knownPeers.get(SERVER, 'carol', 'bob')).toBeUndefined();
  });

  it('remembers the server and its CA certificate', async () => {
    await store.config.remember(SERVER, 'CA PEM');
    await store.config.remember(SERVER);
    expect(await store.config.server()).toBe(SERVER);
    expect(await store.config.caFor(SERVER)).toBe('CA PEM');
  });
});

describe(resolveSftHome.name, () => {
  it('uses SFT_HOME when set', () => {
    expect(resolveSftHome({ SFT_HOME: '/tmp/x' })).toBe('/tmp/x');
  });

  it('defaults to ~/.config/sft', () => {
    expect(resolveSftHome({})).toBe(path.join(os.homedir(), '.config', 'sft'));
  });
});
