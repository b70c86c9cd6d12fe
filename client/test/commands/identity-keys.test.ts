import { afterEach, describe, expect, it } from 'vitest';
import { formatFingerprint } from '../../../certs/src/x509';
import { checkPeerPin } from '../../src/commands/identity-keys';
import { generateIdentity, keyFingerprint } from '../../src/crypto/identity';
import { ExitError } from '../../src/errors';
import { makeTestDeps } from '../helpers/fake-deps';

const SERVER = 'https://127.0.0.1:8443';
let cleanUp: () => Promise<void> = async () => undefined;
afterEach(() => cleanUp());

describe(checkPeerPin.name, () => {
  it('pins the key on first contact', async () => {
    const t = await makeTestDeps();
    cleanUp = t.cleanUp;
    const key = generateIdentity().publicKeyBase64;
    await checkPeerPin(t.deps, SERVER, 'alice', 'bob', key);
    expect((await t.deps.state.knownPeers.get(SERVER, 'alice', 'bob'))?.publicKey).toBe(key);
    expect(t.stderr.text).toMatch(/First contact with bob/);
  });

  it('accepts the same key again', async () => {
    const t = await makeTestDeps();
    cleanUp = t.cleanUp;
    const key = generateIdentity().publicKeyBase64;
    await checkPeerPin(t.deps, SERVER, 'alice', 'bob', key);
    await expect(checkPeerPin(t.deps, SERVER, 'alice', 'bob', key)).resolves.toBeUndefined();
  });

  it('refuses a changed key with exit 4, naming the peer and both fingerprints', async () => {
    const t = await makeTestDeps();
    cleanUp = t.cleanUp;
    const oldKey = generateIdentity().publicKeyBase64;
    const newKey = generateIdentity().publicKeyBase64;
    await checkPeerPin(t.deps, SERVER, 'alice', 'bob', oldKey);
    const error = (await checkPeerPin(t.deps, SERVER, 'alice', 'bob', newKey).catch((e: unknown) => e)) as ExitError;
    expect(error).toBeInstanceOf(ExitError);
    expect(error.exitCode).toBe(4);
    expect(error.message).toContain('bob');
    expect(error.message).toContain(formatFingerprint(keyFingerprint(oldKey)));
    expect(error.message).toContain(formatFingerprint(keyFingerprint(newKey)));
    expect(error.hint).toContain('sft trust bob');
    expect((await t.deps.state.knownPeers.get(SERVER, 'alice', 'bob'))?.publicKey).toBe(oldKey);
  });

  it('keeps pins apart per local user', async () => {
    const t = await makeTestDeps();
    cleanUp = t.cleanUp;
    await checkPeerPin(t.deps, SERVER, 'alice', 'bob', generateIdentity().publicKeyBase64);
    await expect(checkPeerPin(t.deps, SERVER, 'carol', 'bob', generateIdentity().publicKeyBase64)).resolves.toBeUndefined();
  });
});
