/**
 * Drives the real `sft` CLI as child processes (`node bin/sft.js --json …`): a server on a free
 * loopback port, registered users each with their own SFT_HOME, and one host-session/join transfer.
 */
import { randomBytes } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { assertAllExitedCleanly, assertExitedCleanly, MeasuredChild, stopTogether } from './child';
import { SFT_BIN } from './paths';

const START_TIMEOUT_MS = 60_000;

export interface SftServer {
  url: string;
  caPath: string;
  stop(): Promise<void>;
}

export interface SftUser {
  name: string;
  /** Global options and environment to run the CLI as this user. */
  args: string[];
  env: NodeJS.ProcessEnv;
}

export interface SftTransferRun {
  /** Join spawn → both processes exited, seconds. */
  seconds: number;
  /** Join spawn → the joiner's first `manifest` event (file list received over the peer link), seconds. */
  firstByteSeconds: number;
  /** Join spawn → the joiner's `joined` event (process started, logged-in state read, session joined through the API), seconds. */
  joinedSeconds: number;
  /** The joiner's `manifest` event → both processes exited: the data phase alone, seconds. */
  dataSeconds: number;
  senderPeakRss: number;
  receiverPeakRss: number;
  senderCpuSeconds: number;
  receiverCpuSeconds: number;
}

/** `sft server --port 0 --host 127.0.0.1 --data-dir DIR` (SQLite in the data dir), until `stop()`. */
export async function startSftServer(dataDir: string): Promise<SftServer> {
  const child = new MeasuredChild('sft server', [SFT_BIN, '--json', 'server', '--port', '0', '--relay-port', '0', '--host', '127.0.0.1', '--data-dir', dataDir], {
    env: isolatedEnv(join(dataDir, 'home')),
    timeoutMs: 6 * 60 * 60 * 1000,
  });
  const listening = await child.waitForEvent((e) => e.event === 'listening', START_TIMEOUT_MS).catch((error) => {
    child.stop();
    throw error;
  });
  const { url, caCertificate } = listening.event as { url: string; caCertificate: string | null };
  if (!caCertificate) throw new Error('sft server did not report its CA certificate');
  return {
    url,
    caPath: caCertificate,
    stop: async () => {
      child.stop();
      await child.exited;
    },
  };
}

/** `sft register --username NAME --password-stdin` with a fresh SFT_HOME under `homeRoot`. */
export async function registerUser(server: SftServer, homeRoot: string, name: string): Promise<SftUser> {
  const home = join(homeRoot, name);
  mkdirSync(home, { recursive: true, mode: 0o700 });
  const user: SftUser = { name, args: ['--server', server.url, '--ca', server.caPath, '--json'], env: isolatedEnv(home) };
  const child = new MeasuredChild(`sft register ${name}`, [SFT_BIN, ...user.args, 'register', '--username', name, '--password-stdin'], {
    env: user.env,
    stdin: `${randomBytes(18).toString('base64url')}\n`,
    timeoutMs: START_TIMEOUT_MS,
  });
  assertExitedCleanly(`sft register ${name}`, await child.exited);
  return user;
}

/**
 * One transfer: `host-session INPUT --to RECEIVER --listen 127.0.0.1:0` as `sender`, and once its
 * session id is out, `join ID --out OUT_DIR` as `receiver`. Both must exit 0.
 */
export async function sftTransfer(
  sender: SftUser, receiver: SftUser, input: string, outDir: string, scratch: string, timeoutMs: number, pathArgs: string[] = [],
): Promise<SftTransferRun> {
  // Direct by default (listening on loopback); pathArgs (e.g. --relay only) replace the listen address.
  const hostPath = pathArgs.length > 0 ? pathArgs : ['--listen', '127.0.0.1:0'];
  const host = new MeasuredChild('sft host-session', [SFT_BIN, ...sender.args, 'host-session', input, '--to', receiver.name, ...hostPath], {
    env: sender.env,
    timeoutMs,
    rssFile: join(scratch, `rss-host-${randomBytes(4).toString('hex')}`),
  });
  let id: string;
  try {
    id = String((await host.waitForEvent((e) => e.event === 'session', START_TIMEOUT_MS)).event.id);
  } catch (error) {
    host.stop();
    throw error;
  }
  const joiner = new MeasuredChild('sft join', [SFT_BIN, ...receiver.args, 'join', id, '--out', outDir, ...pathArgs], {
    env: receiver.env,
    timeoutMs,
    rssFile: join(scratch, `rss-join-${randomBytes(4).toString('hex')}`),
  });
  stopTogether(host, joiner);
  const [hostResult, joinResult] = await Promise.all([host.exited, joiner.exited]);
  assertAllExitedCleanly(['sft host-session', hostResult], ['sft join', joinResult]);
  const firstEvent = joiner.events.find((e) => e.event.event === 'manifest') ?? joiner.events.find((e) => e.event.event === 'handshake');
  if (!firstEvent) throw new Error('sft join printed no manifest/handshake event');
  const joined = joiner.events.find((e) => e.event.event === 'joined') ?? firstEvent;
  const endedAt = Math.max(hostResult.endedAt, joinResult.endedAt);
  return {
    seconds: (endedAt - joiner.startedAt) / 1000,
    firstByteSeconds: (firstEvent.at - joiner.startedAt) / 1000,
    joinedSeconds: (joined.at - joiner.startedAt) / 1000,
    dataSeconds: (endedAt - firstEvent.at) / 1000,
    senderPeakRss: hostResult.peakRssBytes,
    receiverPeakRss: joinResult.peakRssBytes,
    senderCpuSeconds: hostResult.cpuSeconds,
    receiverCpuSeconds: joinResult.cpuSeconds,
  };
}

/** The parent's environment minus every SFT_* variable, with SFT_HOME set: runs never touch the user's real state. */
function isolatedEnv(home: string): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) if (!key.startsWith('SFT_')) env[key] = value;
  return { ...env, SFT_HOME: home };
}
