/* eslint-disable @typescript-eslint/no-explicit-any -- test answers are read loosely, like JSON. */
import { randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { DataSource } from 'typeorm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DeliveriesController } from '../../src/deliveries/deliveries.controller';
import { PART_BYTES } from '../../src/deliveries/delivery-limits';
import { registerAndLogin, type TestAccount } from '../support/accounts';
import { describeEachDatabase } from '../support/databases';
import { queryDatabase } from '../support/db-rows';
import { startTestServer, type TestServer } from '../support/test-server';

const EPHEMERAL = Buffer.alloc(32, 3).toString('base64');
const FINGERPRINT = 'ab'.repeat(32);
const OCTETS = { 'content-type': 'application/octet-stream' };

describeEachDatabase(DeliveriesController.name, (db) => {
  let t: TestServer;
  let alice: TestAccount;
  let bob: TestAccount;
  let carol: TestAccount;
  const storeDir = () => path.join(t.dataDir, 'deliveries');
  const blobPath = (id: string) => path.join(storeDir(), `${id.replace(/-/g, '')}.blob`);

  beforeAll(async () => {
    t = await startTestServer({ dbUrl: db.dbUrl, env: { SFT_STORE_QUOTA: String(5 * PART_BYTES), SFT_STORE_MAX_BYTES: String(3 * PART_BYTES) } });
    [alice, bob, carol] = await Promise.all(['alice', 'bob', 'carol'].map((name) => registerAndLogin(t.api, name)));
  });
  afterAll(async () => {
    await t?.close();
  });

  async function create(bytes: number, extra: Record<string, unknown> = {}) {
    return t.api.post('/deliveries', {
      token: alice.token,
      body: { recipient: 'bob', files: [{ name: 'a.bin', size: Math.max(0, bytes - 100) }], bytes, ephemeralKey: EPHEMERAL, recipientKeyFingerprint: FINGERPRINT, ...extra },
    });
  }

  const putPart = (id: string, index: number, data: Buffer, token = alice.token) =>
    t.api.put(`/deliveries/${id}/parts/${index}`, { token, raw: data, headers: OCTETS });

  /** A delivery of `bytes` random bytes, uploaded and completed; answers its id. */
  async function stored(bytes: number): Promise<string> {
    const res = await create(bytes);
    expect(res.status).toBe(201);
    const id = res.body.delivery.id;
    const content = randomBytes(bytes);
    for (let i = 0; i * PART_BYTES < bytes; i++) expect((await putPart(id, i, content.subarray(i * PART_BYTES, (i + 1) * PART_BYTES))).status).toBe(200);
    expect((await t.api.post(`/deliveries/${id}/complete`, { token: alice.token })).status).toBe(200);
    return id;
  }

  it('takes the upload in order, shows it to the recipient only once complete, stores exactly the uploaded bytes (0600), and deletes them on receipt', async () => {
    const res = await create(PART_BYTES + 10);
    expect(res.status).toBe(201);
    expect(Buffer.from(res.body.key, 'base64')).toHaveLength(32);
    const id = res.body.delivery.id;
    expect(res.body.delivery).toMatchObject({ state: 'uploading', sender: 'alice', recipient: 'bob', partCount: 2, uploadedParts: 0 });
    const content = randomBytes(PART_BYTES + 10);

    expect((await putPart(id, 1, content.subarray(PART_BYTES))).body.code).toBe('upload_out_of_order');
    expect((await putPart(id, 0, content.subarray(0, 100))).body.code).toBe('bad_part');
    expect((await putPart(id, 0, content.subarray(0, PART_BYTES))).body).toEqual({ uploadedParts: 1, partCount: 2 });
    expect((await putPart(id, 0, content.subarray(0, PART_BYTES))).body).toEqual({ uploadedParts: 1, partCount: 2 }); // a retry
    expect((await t.api.post(`/deliveries/${id}/complete`, { token: alice.token })).body.code).toBe('upload_incomplete');
    expect((await t.api.get(`/deliveries/${id}`, { token: bob.token })).status).toBe(404);
    expect((await t.api.get('/deliveries', { token: bob.token })).body.map((d: any) => d.id)).not.toContain(id);
    expect((await putPart(id, 1, content.subarray(PART_BYTES), bob.token)).status).toBe(404);

    expect((await putPart(id, 1, content.subarray(PART_BYTES))).status).toBe(200);
    expect((await t.api.post(`/deliveries/${id}/complete`, { token: alice.token })).body.state).toBe('ready');
    expect((await t.api.get('/deliveries', { token: bob.token })).body.map((d: any) => d.id)).toContain(id);
    const opened = await t.api.post(`/deliveries/${id}/open`, { token: bob.token });
    expect(opened.body.key).toBe(res.body.key);
    expect((await fs.readFile(blobPath(id))).equals(content)).toBe(true);
    expect((await fs.stat(blobPath(id))).mode & 0o777).toBe(0o600);
    expect((await fs.stat(storeDir())).mode & 0o777).toBe(0o700);

    const receipt = await t.api.post(`/deliveries/${id}/receipt`, { token: bob.token, body: { verified: true } });
    expect(receipt.body.state).toBe('received');
    await expect(fs.stat(blobPath(id))).rejects.toThrow();
    const [row] = await queryDatabase(t.dbUrl, 'SELECT encrypted_key, state FROM deliveries WHERE id = ?', [id.replace(/-/g, '')]);
    expect(row).toEqual({ encrypted_key: null, state: 'received' });
    expect((await t.api.post(`/deliveries/${id}/open`, { token: bob.token })).status).toBe(410);
  });

  it('answers Range: bytes=N- with 206 and the rest of the blob, other ranges with all of it, and a start at the end with 416', async () => {
    const content = randomBytes(PART_BYTES + 500);
    const id = (await create(content.length)).body.delivery.id;
    await putPart(id, 0, content.subarray(0, PART_BYTES));
    await putPart(id, 1, content.subarray(PART_BYTES));
    expect((await t.api.post(`/deliveries/${id}/complete`, { token: alice.token })).status).toBe(200);
    const blob = (range?: string, token = bob.token) => t.api.get(`/deliveries/${id}/blob`, { token, headers: range ? { range } : {} });

    const whole = await blob();
    expect(whole.status).toBe(200);
    expect(whole.headers['accept-ranges']).toBe('bytes');
    expect(whole.bytes.equals(content)).toBe(true);
    const rest = await blob(`bytes=${PART_BYTES - 7}-`);
    expect(rest.status).toBe(206);
    expect(rest.headers['content-range']).toBe(`bytes ${PART_BYTES - 7}-${content.length - 1}/${content.length}`);
    expect(rest.bytes.equals(content.subarray(PART_BYTES - 7))).toBe(true);
    for (const ignored of ['bytes=0-10', 'bytes=-100', 'bytes=5-,9-', 'items=3-']) {
      const answer = await blob(ignored);
      expect([answer.status, answer.bytes.length]).toEqual([200, content.length]);
    }
    const past = await blob(`bytes=${content.length}-`);
    expect([past.status, past.body.code]).toEqual([416, 'range_not_satisfiable']);
    expect((await blob('bytes=10-', carol.token)).status).toBe(404);
    expect((await blob('bytes=10-', alice.token)).status).toBe(404); // the sender does not download
    await t.api.post(`/deliveries/${id}/withdraw`, { token: alice.token });
  });

  it('refuses a delivery over the size limit (413) or the quota (507) when it is announced', async () => {
    expect((await create(3 * PART_BYTES + 1)).status).toBe(413);
    const kept = [await stored(2 * PART_BYTES), await stored(2 * PART_BYTES)];
    const over = await create(2 * PART_BYTES);
    expect(over.status).toBe(507);
    expect(over.body.code).toBe('quota_exceeded');
    for (const id of kept) {
      expect((await t.api.post(`/deliveries/${id}/withdraw`, { token: alice.token })).body.state).toBe('withdrawn');
      await expect(fs.stat(blobPath(id))).rejects.toThrow();
    }
    const fits = await create(2 * PART_BYTES); // withdrawn ones no longer count
    expect(fits.status).toBe(201);
    await t.api.post(`/deliveries/${fits.body.delivery.id}/withdraw`, { token: alice.token });
  });

  it("answers 404 for another user's delivery, changes nothing, and counts it against the lookup budget", async () => {
    const id = await stored(10_000);
    for (const route of [`/deliveries/${id}`, `/deliveries/${id}/blob`]) expect((await t.api.get(route, { token: carol.token })).status).toBe(404);
    expect((await t.api.post(`/deliveries/${id}/open`, { token: carol.token })).body.code).toBe('delivery_not_found');
    expect((await t.api.post(`/deliveries/${id}/receipt`, { token: carol.token, body: { verified: false } })).status).toBe(404);
    expect((await t.api.post(`/deliveries/${id}/withdraw`, { token: bob.token })).status).toBe(404);
    const [row] = await queryDatabase(t.dbUrl, 'SELECT state FROM deliveries WHERE id = ?', [id.replace(/-/g, '')]);
    expect(row.state).toBe('ready');
    const statuses: number[] = [];
    for (let i = 0; i < 40; i++) statuses.push((await t.api.get(`/deliveries/${id}`, { token: carol.token })).status);
    expect(statuses).toContain(429);
  });

  it('takes an announcement of 1,000 files with long names (the 2 MiB body limit, not 64 KiB)', async () => {
    const files = Array.from({ length: 1000 }, (_, i) => ({ name: `${'n'.repeat(200)}-${i}.bin`, size: 1 }));
    const res = await create(2 * PART_BYTES, { files });
    expect(res.status).toBe(201);
    await t.api.post(`/deliveries/${res.body.delivery.id}/withdraw`, { token: alice.token });
  });

  it('refuses a bad announcement: unknown recipient, myself, no files, a long expiry', async () => {
    expect((await create(1000, { recipient: 'nobody-here' })).body.code).toBe('user_not_found');
    expect((await create(1000, { recipient: 'alice' })).status).toBe(400);
    expect((await create(1000, { files: [] })).status).toBe(400);
    expect((await create(1000, { expiresInSeconds: 400 * 86400 })).status).toBe(400);
  });
});

describe('stored delivery expiry', () => {
  it('is expired by the sweeper, which deletes its ciphertext; the recipient then gets 410 expired', async () => {
    const t = await startTestServer({ options: { sweepIntervalSeconds: 0.2 } });
    try {
      const [alice, bob] = await Promise.all(['alice', 'bob'].map((name) => registerAndLogin(t.api, name)));
      const res = await t.api.post('/deliveries', {
        token: alice.token,
        body: { recipient: 'bob', files: [{ name: 'a', size: 1 }], bytes: 100, ephemeralKey: EPHEMERAL, recipientKeyFingerprint: FINGERPRINT, expiresInSeconds: 60 },
      });
      const id = res.body.delivery.id as string;
      await t.api.put(`/deliveries/${id}/parts/0`, { token: alice.token, raw: randomBytes(100), headers: OCTETS });
      await t.api.post(`/deliveries/${id}/complete`, { token: alice.token });
      const blob = path.join(t.dataDir, 'deliveries', `${id.replace(/-/g, '')}.blob`);
      await fs.stat(blob);
      // Move the expiry into the past (rather than wait a minute); the sweeper alone must then delete it.
      const sqlite = new DataSource({ type: 'better-sqlite3', database: t.dbUrl.slice('sqlite:'.length) });
      await sqlite.initialize();
      await sqlite.query("UPDATE deliveries SET expires_at = '2000-01-01 00:00:00.000' WHERE id = ?", [id.replace(/-/g, '')]);
      await sqlite.destroy();
      for (let i = 0; i < 100 && (await fs.stat(blob).then(() => true, () => false)); i++) await new Promise((r) => setTimeout(r, 100));
      await expect(fs.stat(blob)).rejects.toThrow();
      const open = await t.api.post(`/deliveries/${id}/open`, { token: bob.token });
      expect(open.status).toBe(410);
      expect(open.body.state).toBe('expired');
    } finally {
      await t.close();
    }
  });
});

describe('abandoned uploads', () => {
  it('are expired by the sweeper after SFT_TRANSFER_TIMEOUT, with their partial upload deleted and the quota freed', async () => {
    const t = await startTestServer({ options: { sweepIntervalSeconds: 0.2, transferTimeoutSeconds: 60 }, env: { SFT_STORE_QUOTA: String(2 * PART_BYTES) } });
    try {
      const [alice] = await Promise.all(['alice', 'bob'].map((name) => registerAndLogin(t.api, name)));
      const announce = () => t.api.post('/deliveries', {
        token: alice.token,
        body: { recipient: 'bob', files: [{ name: 'a', size: 1 }], bytes: 2 * PART_BYTES, ephemeralKey: EPHEMERAL, recipientKeyFingerprint: FINGERPRINT },
      });
      const res = await announce();
      const id = res.body.delivery.id as string;
      await t.api.put(`/deliveries/${id}/parts/0`, { token: alice.token, raw: randomBytes(PART_BYTES), headers: OCTETS });
      const upload = path.join(t.dataDir, 'deliveries', `${id.replace(/-/g, '')}.upload`);
      await fs.stat(upload);
      expect((await announce()).status).toBe(507); // the unfinished upload holds the quota…
      // Its upload began "two minutes ago" (rather than wait a minute); the sweeper alone must then expire it.
      const sqlite = new DataSource({ type: 'better-sqlite3', database: t.dbUrl.slice('sqlite:'.length) });
      await sqlite.initialize();
      await sqlite.query('UPDATE deliveries SET created_at = ? WHERE id = ?', [new Date(Date.now() - 120_000).toISOString().replace('T', ' ').replace('Z', ''), id.replace(/-/g, '')]);
      await sqlite.destroy();
      for (let i = 0; i < 100 && (await fs.stat(upload).then(() => true, () => false)); i++) await new Promise((r) => setTimeout(r, 100));
      await expect(fs.stat(upload)).rejects.toThrow();
      expect((await t.api.get(`/deliveries/${id}`, { token: alice.token })).body.state).toBe('expired');
      expect((await announce()).status).toBe(201); // …until the sweeper expired it
    } finally {
      await t.close();
    }
  });
});
