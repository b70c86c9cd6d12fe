/**
 * The read tap over a real TLS 1.3 link on loopback (each end pinned to the other's certificate): the
 * socket reads into one reused buffer, and a FrameReader attached late still gets every frame, in order,
 * byte-exact, with the socket paused while frames pile up unread.
 */
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { connect, createServer, type TLSSocket } from 'node:tls';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { makeEphemeralCert, type KeyAndCert } from '../../../certs/src/x509';
import { pinnedTlsOptions } from '../../src/peer/pinning';
import { FrameType } from '../../src/protocol/constants';
import { queueFrame } from '../../src/protocol/encoder';
import { FrameReader } from '../../src/protocol/reader';
import { ReadTap, readTapOf } from '../../src/protocol/read-tap';

let server: KeyAndCert;
let client: KeyAndCert;
const closers: (() => void)[] = [];

beforeAll(async () => {
  [server, client] = await Promise.all([makeEphemeralCert('tap server'), makeEphemeralCert('tap client')]);
});

afterEach(() => closers.splice(0).forEach((close) => close()));

/** A TLS server that sends `frames` as soon as a client is connected, and a tapped client socket to it. */
async function tappedLink(frames: { type: FrameType; payload: Buffer }[]): Promise<TLSSocket> {
  const listener = createServer({ ...pinnedTlsOptions(server, { certificatePem: client.certPem, fingerprint: client.fingerprint }), requestCert: true }, (socket) => {
    for (const frame of frames) queueFrame(socket, frame.type, frame.payload);
    socket.end();
  });
  listener.listen(0, '127.0.0.1');
  await once(listener, 'listening');
  const tap = new ReadTap();
  const options = {
    host: '127.0.0.1',
    port: (listener.address() as AddressInfo).port,
    ...pinnedTlsOptions(client, { certificatePem: server.certPem, fingerprint: server.fingerprint }),
    servername: 'sft-peer',
    onread: tap.onread,
  };
  const socket = connect(options);
  tap.register(socket);
  closers.push(() => socket.destroy(), () => listener.close());
  await once(socket, 'secureConnect');
  return socket;
}

describe(ReadTap.name, () => {
  it('gives a reader attached after the bytes came every frame, in order and byte-exact, then the end', async () => {
    const frames = [
      { type: FrameType.Hello, payload: Buffer.from('{"hello":1}') },
      ...Array.from({ length: 12 }, (_, i) => ({ type: FrameType.Chunk, payload: Buffer.alloc(300_000 + i, i + 1) })),
      { type: FrameType.FileEnd, payload: Buffer.from('{}') },
    ];
    const socket = await tappedLink(frames);
    expect(readTapOf(socket)).toBeInstanceOf(ReadTap);
    await new Promise((resolve) => setTimeout(resolve, 100)); // the server's bytes arrive before anyone reads
    const reader = new FrameReader(socket);
    for (const sent of frames) {
      const frame = await reader.next(5000);
      expect(frame.type).toBe(sent.type);
      expect(frame.payload.equals(sent.payload)).toBe(true);
      reader.release(frame.payload); // the next chunk may reuse its memory: what came must not change
    }
    await expect(reader.next(5000)).rejects.toMatchObject({ code: 'closed' });
  });

  it('pauses the socket while frames pile up unread, and resumes it when they are taken', async () => {
    const frames = Array.from({ length: 40 }, (_, i) => ({ type: FrameType.Chunk, payload: Buffer.alloc(64 * 1024, i) }));
    const socket = await tappedLink(frames);
    const reader = new FrameReader(socket);
    const first = await reader.next(5000);
    expect(first.payload[0]).toBe(0);
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(socket.isPaused()).toBe(true);
    for (let i = 1; i < frames.length; i++) expect((await reader.next(5000)).payload[0]).toBe(i);
  });
});
