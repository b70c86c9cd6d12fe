/**
 * startRelay in-process with tickets from a local key: the pair's lifetime, half-close both ways, and
 * that nothing is left behind (sessions, connections) once pairs and refusals are over.
 */
import { generateKeyPairSync, randomBytes, type KeyObject } from 'node:crypto';
import { connect, type ConnectionOptions, type TLSSocket } from 'node:tls';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeCa, makeServerCert } from '../../certs/src/x509';
import { startRelay, type RelayLogEntry, type RunningRelay } from '../../relay/src/relay-server';
import { openingLine } from '../../relay/src/opening-line';
import { issueTicket, type TicketFields } from '../../relay/src/ticket';
import { answerTo, MiB, receiveAll, receiveExactly, refusalOf, relayPair, sendRandom, sleep, type RelayWorld } from './support';

describe(startRelay.name, () => {
  let relay: RunningRelay;
  let world: RelayWorld;
  let privateKey: KeyObject;
  const log: RelayLogEntry[] = [];

  beforeAll(async () => {
    const ca = await makeCa('relay test CA');
    const cert = await makeServerCert(ca, ['localhost', '127.0.0.1']);
    const keys = generateKeyPairSync('ed25519');
    privateKey = keys.privateKey;
    relay = await startRelay({
      port: 0,
      host: '127.0.0.1',
      publicKey: keys.publicKey,
      tls: cert,
      limits: { maxLifetimeMs: 1_500, pairTimeoutMs: 1_000 },
      log: (entry) => log.push(entry),
    });
    world = { api: undefined as never, caPem: ca.certPem, relayUrl: relay.url, dataDir: '' };
  });
  afterAll(async () => {
    await relay?.close();
  });

  const ticket = (fields: Partial<TicketFields>) =>
    issueTicket({ sid: 's', role: 'host', relay: relay.url, cap: 64 * MiB, acct: randomBytes(4).toString('hex'), exp: Math.floor(Date.now() / 1000) + 60, ...fields }, privateKey).text;
  const pairTickets = () => {
    const sid = randomBytes(6).toString('hex');
    return [ticket({ sid }), ticket({ sid, role: 'joiner' })] as const;
  };

  /** A raw client that keeps its side open after the other ends (unlike the connector's default). */
  function halfOpenClient(ticketText: string): Promise<TLSSocket> {
    return new Promise((resolve, reject) => {
      // tls.connect passes allowHalfOpen on to its socket; @types/node does not list it.
      const options = { host: '127.0.0.1', port: relay.port, ca: world.caPem, servername: 'localhost', allowHalfOpen: true } as ConnectionOptions;
      const socket = connect(options, () => socket.write(openingLine(ticketText)));
      socket.once('error', reject);
      socket.once('data', (chunk: Buffer) => (chunk.toString() === 'ok\n' ? resolve(socket) : reject(new Error(chunk.toString()))));
    });
  }

  it('passes a half-close on: one side ends, the other still sends, then ends too', async () => {
    const [hostTicket, joinerTicket] = pairTickets();
    const [host, joiner] = await Promise.all([halfOpenClient(hostTicket), halfOpenClient(joinerTicket)]);
    const atJoiner = receiveAll(joiner);
    const joinerSawEnd = new Promise((resolve) => joiner.once('end', resolve));
    const hostGets = receiveExactly(host, MiB);
    host.end('bye from the host');
    await joinerSawEnd;
    const sent = await sendRandom(joiner, MiB);
    expect(await hostGets).toBe(sent);
    joiner.end();
    expect(await atJoiner).toMatchObject({ bytes: 'bye from the host'.length, ended: true });
  });

  it('cuts a pair at the end of its lifetime, even while bytes flow', async () => {
    const [host, joiner] = await relayPair(world, ...pairTickets());
    const closed = receiveAll(joiner);
    const trickle = setInterval(() => host.write('x'), 100);
    host.on('error', () => undefined);
    await closed;
    clearInterval(trickle);
    expect(log.some((e) => e.event === 'closed' && e.reason === 'lifetime reached')).toBe(true);
  });

  it('pairs each attempt (att) of a session apart, and refuses a second pair of the same attempt', async () => {
    const sid = randomBytes(6).toString('hex');
    const first = await relayPair(world, ticket({ sid }), ticket({ sid, role: 'joiner' }));
    const second = await relayPair(world, ticket({ sid, att: 1 }), ticket({ sid, att: 1, role: 'joiner' }));
    // Each pair is its own pipe: what the host of a link sends reaches that link's joiner.
    for (const [host, joiner] of [first, second]) {
      const got = receiveExactly(joiner, 4096);
      const sent = await sendRandom(host, 4096);
      expect(await got).toBe(sent);
    }
    expect(await refusalOf(world, ticket({ sid, att: 1 }))).toEqual({ text: 'error: session already relayed\n', closed: true });
    expect(log.filter((e) => e.event === 'paired' && e.session === sid).map((e) => e.attempt)).toEqual([0, 1]);
    for (const socket of [...first, ...second]) socket.destroy();
  });

  it('refuses a lone side when its partner does not come in time', async () => {
    const [hostTicket] = pairTickets();
    expect(await refusalOf(world, hostTicket)).toEqual({ text: 'error: the other side did not connect in time\n', closed: true });
  });

  it('holds no session and no connection once everything is over', async () => {
    await sleep(300);
    expect(relay.stats()).toEqual({ sessions: 0, connections: 0 });
  });

  it('closes waiting connections when it stops', async () => {
    const other = await startRelay({ port: 0, host: '127.0.0.1', publicKey: generateKeyPairSync('ed25519').publicKey, tls: await makeServerCert(await makeCa('x'), ['localhost']), quiet: true });
    const socket = await import('node:net').then(({ connect }) => new Promise<import('node:net').Socket>((resolve) => {
      const s = connect(other.port, '127.0.0.1', () => resolve(s));
    }));
    const answer = answerTo(socket);
    await other.close();
    expect((await answer).closed).toBe(true);
  });
});
