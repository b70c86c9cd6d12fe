/**
 * A registered user turned hostile, against the victim's REAL `sft` process: it registers through the
 * real server API, completes the real pinned TLS link and the real signed X25519 handshake with the
 * victim's `sft join` / `sft host-session --receive`, and then does whatever the test says (frames,
 * names, a closed link, a cancel on the server...). Also the checks every such test makes: exit code,
 * no raw control or bidi character in the output, the victim ending in bounded time.
 */
import { randomBytes, type KeyObject } from 'node:crypto';
import { expect } from 'vitest';
import { makeEphemeralCert, type KeyAndCert } from '../../../certs/src/x509';
import { ApiClient } from '../../../client/src/api/api-client';
import type { SessionView } from '../../../client/src/api/types';
import { generateIdentity, privateKeyFromPem, publicKeyFromBase64 } from '../../../client/src/crypto/identity';
import { dialPeer, listenForPeer, type PeerCertificate } from '../../../client/src/peer';
import type { TransferContext } from '../../../client/src/transfer';
import { promises as fs } from 'node:fs';
import type { SftProcess, SftResult, SftServer } from '../sft-process';
import { HostileSender } from './hostile-sender';

/** How long the attacker's link waits on the victim (frames, writes). Generous: the CPU is shared. */
const LINK_TIMEOUT_MS = 20_000;
/** Upper bound for a victim to end once the attack is over (the tests' "bounded time"). */
export const VICTIM_DEADLINE_MS = 30_000;

export class HostileUser {
  private constructor(
    readonly username: string,
    readonly api: ApiClient,
    private readonly privateKey: KeyObject,
    private readonly publicKey: KeyObject,
  ) {}

  /** Registers `username` on the real server, logs in and uploads a fresh identity key, as `sft register` does. */
  static async register(server: SftServer, username: string): Promise<HostileUser> {
    const ca = await fs.readFile(server.caCertPath, 'utf8');
    const anonymous = new ApiClient({ serverUrl: server.url, ca });
    const password = randomBytes(12).toString('base64url');
    await anonymous.register(username, password);
    const { token } = await anonymous.login(username, password);
    const api = new ApiClient({ serverUrl: server.url, ca, token });
    const identity = generateIdentity();
    await api.putSigningKey(identity.publicKeyBase64);
    return new HostileUser(username, api, privateKeyFromPem(identity.privateKeyPem), publicKeyFromBase64(identity.publicKeyBase64));
  }

  /**
   * Opens a host-sends session for `victim`; `connect()` then waits for the victim's `sft join ID`,
   * accepts its pinned TLS connection and completes the sender handshake.
   */
  async host(victim: string, files?: { name: string; size: number }[]): Promise<{ id: string; connect(): Promise<HostileSender> }> {
    const own = await makeEphemeralCert(`sft ${this.username}`);
    let announcePeer: (peer: PeerCertificate) => void = () => undefined;
    const expectedPeer = new Promise<PeerCertificate>((resolve) => (announcePeer = resolve));
    const listener = await listenForPeer({ host: '127.0.0.1', port: 0, own, expectedPeer });
    const created = await this.api.createSession({
      direction: 'host-sends',
      invitee: victim,
      endpoint: { host: '127.0.0.1', port: listener.port },
      certificate: own.certPem,
      files,
    });
    const id = created.session.id;
    return {
      id,
      connect: async () => {
        let session: SessionView = created.session;
        while (session.state === 'waiting') session = await this.api.waitSession(id, 'waiting', 10);
        if (!session.joinerCertificate || !session.joinerFingerprint || !session.joiner) throw new Error(`session ${id} is ${session.state}`);
        announcePeer({ certificatePem: session.joinerCertificate, fingerprint: session.joinerFingerprint });
        try {
          const socket = await listener.accept(LINK_TIMEOUT_MS);
          const peerKey = await this.api.getSigningKey(session.joiner);
          return await HostileSender.connect(socket, this.context(id, created.key, own, session.joiner, peerKey.publicKey, session.joinerFingerprint), LINK_TIMEOUT_MS);
        } finally {
          void listener.close(); // stops listening; resolves only once the accepted socket has closed too
        }
      },
    };
  }

  /** Joins the victim's `sft host-session --receive` session `id`, dials it over pinned TLS and completes the sender handshake. */
  async join(id: string): Promise<HostileSender> {
    const own = await makeEphemeralCert(`sft ${this.username}`);
    const answer = await this.api.joinSession(id, own.certPem);
    const { session } = answer;
    // The victims in these tests listen on loopback and never use --relay only, so there is an endpoint.
    if (!session.endpoint) throw new Error(`session ${id} has no direct endpoint`);
    const socket = await dialPeer({
      host: session.endpoint.host,
      port: session.endpoint.port,
      own,
      peer: { certificatePem: session.hostCertificate, fingerprint: session.hostFingerprint },
      timeoutMs: LINK_TIMEOUT_MS,
    });
    return HostileSender.connect(socket, this.context(id, answer.key, own, session.host, answer.hostSigningKey, session.hostFingerprint), LINK_TIMEOUT_MS);
  }

  /** Cancels session `id` on the server with `reason` (any text the attacker likes). */
  cancel(id: string, reason: string): Promise<SessionView> {
    return this.api.cancel(id, reason);
  }

  private context(sessionId: string, key: string, own: KeyAndCert, peer: string, peerKey: string, peerFingerprint: string): TransferContext {
    return {
      sessionId,
      sessionKey: Buffer.from(key, 'base64'),
      self: { username: this.username, identityPrivateKey: this.privateKey, identityPublicKey: this.publicKey, tlsFingerprint: own.fingerprint },
      peer: { username: peer, identityPublicKey: publicKeyFromBase64(peerKey), tlsFingerprint: peerFingerprint },
    };
  }
}

/**
 * Characters that must never reach the user's terminal raw: C0 (but newline) and C1 controls, DEL,
 * format characters (bidi controls, U+061C, zero-width...), line/paragraph separators, lone surrogates.
 */
// eslint-disable-next-line no-control-regex -- this is the list of control characters to find
export const RAW_UNSAFE = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\p{Cf}\p{Zl}\p{Zp}\p{Cs}]/u;

/** Waits (bounded) for `victim` to end and checks its exit code and that nothing unsafe was printed. */
export async function victimEnds(victim: SftProcess, code: number): Promise<SftResult> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`the victim did not end within ${VICTIM_DEADLINE_MS} ms.\nstdout: ${victim.stdout}\nstderr: ${victim.stderr}`)), VICTIM_DEADLINE_MS);
  });
  try {
    const result = await Promise.race([victim.done, deadline]);
    expect({ code: result.code, stdout: result.stdout, stderr: result.stderr }).toMatchObject({ code });
    expect(result.stdout).not.toMatch(RAW_UNSAFE);
    expect(result.stderr).not.toMatch(RAW_UNSAFE);
    return result;
  } finally {
    clearTimeout(timer);
    if (victim.child.exitCode === null) victim.kill('SIGKILL');
  }
}
