import { describe, expect, it } from 'vitest';
import type { SessionView } from '../../src/api/types';
import { JoinById } from '../../src/commands/join-rendezvous';

function session(overrides: Partial<SessionView>): SessionView {
  return {
    id: 'k3v9-2mxq-8d4r-tz1a',
    state: 'joined',
    direction: 'host-sends',
    host: 'alice',
    joiner: 'bob',
    invitee: 'bob',
    endpoint: { host: '127.0.0.1', port: 4000 },
    candidates: [{ host: '127.0.0.1', port: 4000 }],
    relay: 'auto',
    path: null,
    hostCertificate: 'HOST-PEM',
    hostFingerprint: 'ab'.repeat(32),
    joinerCertificate: 'JOINER-PEM',
    joinerFingerprint: 'cd'.repeat(32),
    files: [],
    bytes: 0,
    reason: null,
    createdAt: '2026-12-01T00:00:00.000Z',
    expiresAt: '2026-12-01T00:10:00.000Z',
    closedAt: null,
    attempt: 0,
    interruptedAt: null,
    linkBytes: null,
    reported: { sender: false, receiver: false },
    ...overrides,
  };
}

describe(JoinById.name, () => {
  it('receives from a host that sends, and names the host as the peer with its recorded certificate', async () => {
    const meeting = await new JoinById('id', false).meet({ session: session({}), key: 'k' });
    expect(meeting).toMatchObject({ role: 'receiver', peer: 'alice', peerCertificatePem: 'HOST-PEM', peerFingerprint: 'ab'.repeat(32) });
    expect(meeting.announce.text).toBe("Joined alice's session; connecting to 127.0.0.1:4000");
  });

  it('sends its FILEs to a host that receives', async () => {
    const meeting = await new JoinById('id', true).meet({ session: session({ direction: 'host-receives' }), key: 'k' });
    expect(meeting.role).toBe('sender');
  });

  it('refuses FILEs when the host sends (exit 2), and gives that as the reason to cancel the session', async () => {
    const joiner = new JoinById('id', true);
    const error: unknown = await joiner.meet({ session: session({}), key: 'k' }).catch((e: unknown) => e);
    expect(error).toMatchObject({ exitCode: 2, message: 'alice is sending; this session takes no FILEs from you.' });
    expect(joiner.abandonReason(error)).toBe('alice is sending; this session takes no FILEs from you.');
  });

  it('asks for FILEs when the host receives (exit 2)', async () => {
    await expect(new JoinById('id', false).meet({ session: session({ direction: 'host-receives' }), key: 'k' })).rejects.toMatchObject({
      exitCode: 2,
      hint: 'Usage: sft join k3v9-2mxq-8d4r-tz1a FILE...',
    });
  });

  it('ends with exit 6 when the session is already closed', async () => {
    await expect(new JoinById('id', false).meet({ session: session({ state: 'cancelled', reason: 'changed my mind' }), key: 'k' })).rejects.toMatchObject({
      exitCode: 6,
      message: expect.stringContaining('cancelled (changed my mind)'),
    });
  });
});
