/** Delivery keys against a real server: publishing, fetching, checking against pins (in-process commands). */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { formatFingerprint } from '../../../certs/src/x509';
import { registerAndLogin } from '../../../server/test/support/accounts';
import { startTestServer, type TestServer } from '../../../server/test/support/test-server';
import { ApiClient } from '../../src/api/api-client';
import { ensureDeliveryKey, recipientKeys } from '../../src/commands/delivery-keys';
import { createAndUploadIdentity } from '../../src/commands/identity-keys';
import { generateDeliveryKey, signDeliveryKey } from '../../src/crypto/delivery-key';
import { keyFingerprint, privateKeyFromPem } from '../../src/crypto/identity';
import { ExitError } from '../../src/errors';
import type { StoredIdentity } from '../../src/state/identity-file';
import { makeTestDeps } from '../helpers/fake-deps';

let t: TestServer;
const cleanUps: (() => Promise<void>)[] = [];

beforeAll(async () => {
  t = await startTestServer();
});
afterAll(async () => {
  for (const cleanUp of cleanUps) await cleanUp();
  await t?.close();
});

/** A registered user with an identity and a published delivery key, in their own temp SFT_HOME. */
async function user(name: string) {
  const account = await registerAndLogin(t.api, name);
  const made = await makeTestDeps();
  cleanUps.push(made.cleanUp);
  const api = new ApiClient({ serverUrl: t.url, ca: t.caPem, token: account.token });
  const identity = await ensureDeliveryKey(made.deps, api, name, await createAndUploadIdentity(made.deps, api, name));
  return { ...made, api, identity, name };
}

async function refusal(promise: Promise<unknown>): Promise<ExitError> {
  const error = await promise.catch((e: unknown) => e);
  expect(error).toBeInstanceOf(ExitError);
  return error as ExitError;
}

describe(recipientKeys.name, () => {
  it('gives the delivery key the recipient published, pins it with their identity key, and again the same one', async () => {
    const [alice, bob] = [await user('alice1'), await user('bob1')];
    const keys = await recipientKeys(alice.deps, alice.api, 'alice1', 'bob1');
    expect(keys).toEqual({ username: 'bob1', deliveryKey: bob.identity.delivery!.publicKey, signingKey: bob.identity.publicKey });
    const pin = await alice.deps.state.knownPeers.get(t.url, 'alice1', 'bob1');
    expect(pin?.deliveryKey?.publicKey).toBe(bob.identity.delivery!.publicKey);
    await expect(recipientKeys(alice.deps, alice.api, 'alice1', 'bob1')).resolves.toEqual(keys);
  });

  it('refuses a changed delivery key with exit 4, both fingerprints and `sft trust`', async () => {
    const [alice, bob] = [await user('alice2'), await user('bob2')];
    await recipientKeys(alice.deps, alice.api, 'alice2', 'bob2');
    const fresh = generateDeliveryKey();
    await bob.api.putDeliveryKey(fresh.publicKey, signDeliveryKey(privateKeyFromPem(bob.identity.privateKeyPem), 'bob2', fresh.publicKey));
    const error = await refusal(recipientKeys(alice.deps, alice.api, 'alice2', 'bob2'));
    expect(error.exitCode).toBe(4);
    expect(error.message).toContain(formatFingerprint(bob.identity.delivery!.fingerprint));
    expect(error.message).toContain(formatFingerprint(keyFingerprint(fresh.publicKey)));
    expect(error.hint).toContain('sft trust bob2');
  });

  it('refuses a delivery key not signed by the pinned identity key (exit 4), and pins nothing', async () => {
    const [alice, bob] = [await user('alice3'), await user('bob3')];
    const forged = generateDeliveryKey();
    const mallory = (await import('../../src/crypto/identity')).generateIdentity();
    await bob.api.putDeliveryKey(forged.publicKey, signDeliveryKey(privateKeyFromPem(mallory.privateKeyPem), 'bob3', forged.publicKey));
    const error = await refusal(recipientKeys(alice.deps, alice.api, 'alice3', 'bob3'));
    expect(error.exitCode).toBe(4);
    expect(error.message).toMatch(/not signed by their identity key/);
    expect((await alice.deps.state.knownPeers.get(t.url, 'alice3', 'bob3'))?.deliveryKey).toBeUndefined();
  });
});

describe(ensureDeliveryKey.name, () => {
  it('makes one for an older home without a delivery key, keeps it, and republishes it when the server holds another', async () => {
    const account = await registerAndLogin(t.api, 'carol1');
    const made = await makeTestDeps();
    cleanUps.push(made.cleanUp);
    const api = new ApiClient({ serverUrl: t.url, ca: t.caPem, token: account.token });
    const older: StoredIdentity = await createAndUploadIdentity(made.deps, api, 'carol1');
    expect(older.delivery).toBeUndefined();
    const first = await ensureDeliveryKey(made.deps, api, 'carol1', older);
    expect((await made.deps.state.identities.get(t.url, 'carol1'))?.delivery).toEqual(first.delivery);
    expect((await api.getDeliveryKey('carol1')).publicKey).toBe(first.delivery!.publicKey);
    expect(await ensureDeliveryKey(made.deps, api, 'carol1', first)).toEqual(first);

    const other = generateDeliveryKey();
    await api.putDeliveryKey(other.publicKey, signDeliveryKey(privateKeyFromPem(first.privateKeyPem), 'carol1', other.publicKey));
    await ensureDeliveryKey(made.deps, api, 'carol1', first);
    expect((await api.getDeliveryKey('carol1')).publicKey).toBe(first.delivery!.publicKey);
  });
});
