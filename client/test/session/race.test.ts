/**
 * The host's side of the race (client/src/session/race.ts) over real pinned TLS links: when two links
 * are up, the host takes the one the joiner speaks on first — whichever came up first — destroys the
 * other, and the joiner's first bytes are still there for the transfer to read.
 */
import type { TLSSocket } from 'node:tls';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { makeEphemeralCert, type KeyAndCert } from '../../../certs/src/x509';
import { dialPeer, listenForPeer } from '../../src/peer';
import type { PeerLink } from '../../src/session/connector';
import { joinerSpoke, Race } from '../../src/session/race';

let hostCert: KeyAndCert;
let joinerCert: KeyAndCert;
const closers: (() => unknown)[] = [];
afterEach(async () => {
  for (const close of closers.splice(0)) await close();
});

beforeAll(async () => {
  [hostCert, joinerCert] = await Promise.all([makeEphemeralCert('host'), makeEphemeralCert('joiner')]);
});

/** One real pinned TLS link: the host's end and the joiner's end. */
async function tlsLink(): Promise<{ host: TLSSocket; joiner: TLSSocket }> {
  const listener = await listenForPeer({
    host: '127.0.0.1', port: 0, own: hostCert,
    expectedPeer: Promise.resolve({ certificatePem: joinerCert.certPem, fingerprint: joinerCert.fingerprint }),
  });
  closers.push(() => listener.close());
  const accepted = listener.accept(10_000);
  const joiner = await dialPeer({ host: '127.0.0.1', port: listener.port, own: joinerCert, peer: { certificatePem: hostCert.certPem, fingerprint: hostCert.fingerprint } });
  const host = await accepted;
  closers.push(() => host.destroy(), () => joiner.destroy());
  return { host, joiner };
}

const link = (socket: TLSSocket, via: 'direct' | 'relay'): PeerLink =>
  ({ socket, path: via === 'direct' ? { via, address: 'here' } : { via, relay: 'there' } });

/** Everything `socket` delivers to a 'data' listener attached now (as the transfer's FrameReader does). */
function readAll(socket: TLSSocket): Promise<string> {
  return new Promise((resolve) => {
    let text = '';
    socket.on('data', (chunk: Buffer) => (text += chunk.toString()));
    socket.once('end', () => resolve(text));
  });
}

describe('the host\'s race', () => {
  it('takes the link the joiner speaks on, not the one that came up first, and the first bytes are still readable', async () => {
    const [first, second] = [await tlsLink(), await tlsLink()];
    const race = new Race(joinerSpoke);
    race.add(Promise.resolve(link(first.host, 'direct')));
    race.add(Promise.resolve(link(second.host, 'relay')));
    race.seal();
    // The joiner chose the second link: it drops the first and says HELLO on the second.
    first.joiner.destroy();
    second.joiner.write('HELLO from the joiner');
    const won = await race.done;
    expect(won.path.via).toBe('relay');
    expect(won.socket).toBe(second.host);
    await new Promise((resolve) => setImmediate(resolve));
    expect(first.host.destroyed).toBe(true);
    const read = readAll(second.host);
    second.joiner.end();
    expect(await read).toBe('HELLO from the joiner');
  });

  it('fails with every reason once every link closed without a byte', async () => {
    const only = await tlsLink();
    const race = new Race(joinerSpoke);
    race.add(Promise.resolve(link(only.host, 'direct')));
    race.add(Promise.reject(new Error('no relay ticket')));
    race.seal();
    only.joiner.end();
    await expect(race.done).rejects.toEqual([
      expect.objectContaining({ message: 'no relay ticket' }),
      expect.objectContaining({ message: 'The peer closed a link it did not choose.' }),
    ]);
  });
});
