/** The raw TLS ceiling: two child processes (bench/raw-tls) copying a file disk to disk over pinned, verified TLS 1.3. */
import { randomBytes } from 'node:crypto';
import { statSync } from 'node:fs';
import { join } from 'node:path';
import { makeEphemeralCert } from '../../certs/src/x509';
import { writeLinkFiles, type CopyMode } from '../raw-tls/link-files';
import { assertAllExitedCleanly, MeasuredChild, stopTogether } from './child';
import { RAW_TLS_RECEIVER, RAW_TLS_SENDER } from './paths';

export interface RawTlsRun {
  /** Sender spawn → both processes exited, seconds (the receiver is already listening, like a waiting host). */
  seconds: number;
  /** The receiver's first byte → both processes exited: the data phase alone, seconds. */
  dataSeconds: number;
  senderPeakRss: number;
  receiverPeakRss: number;
  senderCpuSeconds: number;
  receiverCpuSeconds: number;
}

/** Makes the two ephemeral certificates and writes both sides' files into `certDir`. */
export async function prepareRawTls(certDir: string): Promise<void> {
  const [receiver, sender] = await Promise.all([makeEphemeralCert('bench receiver'), makeEphemeralCert('bench sender')]);
  writeLinkFiles(certDir, 'receiver', receiver, sender);
  writeLinkFiles(certDir, 'sender', sender, receiver);
}

/** One copy of `input` to `outFile`; `mode` tuned (1 MiB reads, 4 MiB write buffers: the ceiling) or Node's default streams. */
export async function rawTlsTransfer(certDir: string, input: string, outFile: string, timeoutMs: number, mode: CopyMode = 'tuned'): Promise<RawTlsRun> {
  const tag = randomBytes(4).toString('hex');
  const receiver = new MeasuredChild('raw-tls receiver', [RAW_TLS_RECEIVER, certDir, outFile, mode], { timeoutMs, rssFile: join(certDir, `rss-r-${tag}`) });
  let port: number;
  try {
    port = Number((await receiver.waitForEvent((e) => e.event === 'listening', 30_000)).event.port);
  } catch (error) {
    receiver.stop();
    throw error;
  }
  const sender = new MeasuredChild('raw-tls sender', [RAW_TLS_SENDER, certDir, String(port), input, mode], { timeoutMs, rssFile: join(certDir, `rss-s-${tag}`) });
  stopTogether(sender, receiver);
  const [sent, received] = await Promise.all([sender.exited, receiver.exited]);
  assertAllExitedCleanly(['raw-tls sender', sent], ['raw-tls receiver', received]);
  const endedAt = Math.max(sent.endedAt, received.endedAt);
  const firstByte = receiver.events.find((e) => e.event.event === 'first-byte');
  if (!firstByte) throw new Error('raw-tls receiver printed no first-byte event');
  const done = receiver.events.find((e) => e.event.event === 'done');
  const expected = statSync(input).size;
  if (done?.event.bytes !== expected) throw new Error(`raw-tls receiver got ${String(done?.event.bytes)} bytes of ${expected}`);
  return {
    seconds: (endedAt - sender.startedAt) / 1000,
    dataSeconds: (endedAt - firstByte.at) / 1000,
    senderPeakRss: sent.peakRssBytes,
    receiverPeakRss: received.peakRssBytes,
    senderCpuSeconds: sent.cpuSeconds,
    receiverCpuSeconds: received.cpuSeconds,
  };
}
