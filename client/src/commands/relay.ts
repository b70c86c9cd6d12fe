/** `sft relay [--port N] [--host H] [--url tls://NAME:PORT] [--data-dir D]`: run the blind relay alone until SIGINT/SIGTERM. */
import type { Deps, GlobalOptions } from './deps';
import { untilAborted } from './until-aborted';

export interface RelayCommandOptions extends GlobalOptions {
  port?: number;
  host?: string;
  url?: string;
  dataDir?: string;
}

export async function relay(opts: RelayCommandOptions, deps: Deps): Promise<void> {
  const { standaloneRelayOptions } = await import('../../../relay/src/standalone');
  const { startRelay } = await import('../../../relay/src/relay-server');
  const running = await startRelay(standaloneRelayOptions({ port: opts.port, host: opts.host, url: opts.url, dataDir: opts.dataDir, env: deps.env }));
  deps.reporter.result('listening', { url: running.url, port: running.port }, [`sft relay listening on ${running.url}`]);
  await untilAborted(deps.signal);
  deps.reporter.step('stopping', {}, 'Stopping the relay...');
  await running.close();
  deps.reporter.step('stopped', {}, 'Relay stopped.');
}
