/**
 * The `sft` command line, declared with commander: commands, arguments and options only.
 * Behaviour lives in commands/<name>.ts; `dispatch` connects the two.
 */
import { Command, InvalidArgumentError, Option } from 'commander';
import { parseDuration, parseDurationOrOff } from './commands/duration';
import { parseVerificationPhrase } from './commands/verify-phrase';

export type CommandName =
  | 'server' | 'relay' | 'register' | 'login' | 'logout' | 'whoami' | 'host-session' | 'join' | 'sessions' | 'inbox'
  | 'send' | 'receive' | 'withdraw' | 'trust' | 'demo';

/** Runs a command with its merged options (global options, command options, and arguments). */
export type Dispatch = (command: CommandName, options: Record<string, unknown>) => Promise<void>;

export interface CliOutput {
  writeOut(text: string): void;
  writeErr(text: string): void;
}

export function buildProgram(dispatch: Dispatch, version: string, output: CliOutput): Command {
  const program = new Command('sft')
    .description('Move files directly between two people, with a key-distribution server in the middle.')
    .version(version, '-V, --version')
    .addOption(new Option('--server <url>', 'sft server URL (env SFT_SERVER, default https://localhost:8443)'))
    .addOption(new Option('--ca <file>', 'trust this CA certificate for the server (env SFT_CA)'))
    .option('--json', 'one JSON object per line on stdout, for scripts')
    .showHelpAfterError('(run with --help for usage)')
    .configureOutput(output)
    .exitOverride();

  const run = (name: CommandName, extra: (cmd: Command) => Record<string, unknown> = () => ({})) =>
    async function (this: Command) {
      await dispatch(name, { ...this.optsWithGlobals(), ...extra(this) });
    };
  const sub = (name: CommandName, description: string) =>
    program.command(name).description(description).configureOutput(output).exitOverride().showHelpAfterError('(run with --help for usage)');

  sub('server', 'start the sft server')
    .option('--port <n>', 'TCP port (default 8443)', parsePort)
    .option('--host <host>', 'address to listen on (default 127.0.0.1; 0.0.0.0 for every interface)')
    .option('--db <url>', 'sqlite:PATH or mysql://user:pass@host:port/db (env SFT_DB_URL)')
    .option('--data-dir <dir>', 'where the database, secrets and local CA live (env SFT_DATA_DIR)')
    .option('--redis <url>', 'redis://host:port shared by several servers: limits, wake-ups, sweeper lock (env SFT_REDIS_URL)')
    .option('--relay-port <n>', 'port of the relay started beside the server (env SFT_RELAY_PORT, default 8444)', parsePort)
    .option('--no-relay', 'do not start a relay here (set SFT_RELAY_URL when one runs elsewhere)')
    .action(run('server'));

  sub('relay', 'run the blind relay on its own, for peers that cannot dial each other')
    .option('--port <n>', 'TCP port (env SFT_RELAY_PORT, default 8444)', parsePort)
    .option('--host <host>', 'address to listen on (env SFT_RELAY_HOST, default 127.0.0.1)')
    .option('--url <url>', 'the address tickets name, tls://NAME:PORT (env SFT_RELAY_URL, default tls://HOST:PORT)')
    .option('--data-dir <dir>', "a server data dir to take the ticket key and certificate from (env SFT_DATA_DIR)")
    .action(run('relay'));

  sub('register', 'create an account and an identity key')
    .option('--username <name>', 'account name')
    .option('--password-stdin', 'read the password from stdin')
    .action(run('register'));

  sub('login', 'log in and store a token')
    .option('--username <name>', 'account name')
    .option('--password-stdin', 'read the password from stdin')
    .action(run('login'));

  sub('logout', 'revoke and forget the token').action(run('logout'));
  sub('whoami', 'show who is logged in').action(run('whoami'));

  sub('host-session', 'open a session and wait for the peer (the same command again resumes its interrupted session)')
    .argument('[file...]', 'files or directories to send')
    .option('--to <user>', 'only this user may join')
    .option('--receive', 'receive files from the joiner instead of sending')
    .option('--out <dir>', 'where received files go (default: current directory)')
    .option('--listen <host:port>', 'address for the peer connection (default 0.0.0.0:0)', parseHostPort)
    .option('--advertise <host:port>', 'address the peer should dial, if not the listen address', parseHostPort)
    .option('--overwrite', 'replace existing files when receiving')
    .addOption(relayOption())
    .addOption(retryForOption())
    .option('--verify', 'confirm the verification phrase with the peer (on a terminal) before any file byte moves')
    .option('--verify-phrase <digits>', 'like --verify, for scripts: the phrase the peer shows, e.g. "123 456"', parseVerificationPhrase)
    .action(run('host-session', (cmd) => ({ files: cmd.args })));

  sub('join', 'join a session: receive files, or send FILEs when the host receives (run it again to resume)')
    .argument('<id>', 'session id')
    .argument('[file...]', 'files or directories to send (when the host used --receive)')
    .option('--out <dir>', 'where received files go (default: current directory)')
    .option('--overwrite', 'replace existing files when receiving')
    .addOption(relayOption())
    .addOption(retryForOption())
    .option('--verify', 'confirm the verification phrase with the peer (on a terminal) before any file byte moves')
    .option('--verify-phrase <digits>', 'like --verify, for scripts: the phrase the peer shows, e.g. "123 456"', parseVerificationPhrase)
    .action(run('join', (cmd) => ({ id: cmd.args[0], files: cmd.args.slice(1) })));

  sub('sessions', 'list my sessions, newest first, and the offers waiting for me').action(run('sessions'));
  sub('inbox', 'what waits for me: live sessions opened --to me and stored deliveries').action(run('inbox'));

  sub('send', 'store encrypted files on the server for USER, who fetches them later (sft receive)')
    .argument('<file...>', 'files or directories to send')
    .requiredOption('--to <user>', 'the recipient')
    .option('--expires <duration>', 'how long it waits, e.g. 12h or 7d (default: the server\'s, 7 days)', parseDuration)
    .action(run('send', (cmd) => ({ files: cmd.args })));

  sub('receive', 'fetch, verify and keep a stored delivery')
    .argument('<id>', 'delivery id (sft inbox lists them)')
    .option('--out <dir>', 'where the files go (default: current directory)')
    .option('--overwrite', 'replace existing files')
    .action(run('receive', (cmd) => ({ id: cmd.args[0] })));

  sub('withdraw', 'take back a stored delivery I sent that was not received yet')
    .argument('<id>', 'delivery id')
    .action(run('withdraw', (cmd) => ({ id: cmd.args[0] })));

  sub('trust', "accept USER's current identity key (after they changed it), replacing the pinned one")
    .argument('<user>', 'the peer whose key to trust')
    .option('--yes', 'do not ask (for scripts); compare the fingerprint out of band first')
    .action(run('trust', (cmd) => ({ user: cmd.args[0] })));

  sub('demo', 'run the whole flow locally on embedded defaults')
    .option('--keep', 'keep the temporary directory')
    .action(run('demo'));

  return program;
}

/** `--relay auto|never|only`: direct first with the relay as fallback, the direct link only, the relay only. */
function relayOption(): Option {
  return new Option('--relay <mode>', 'auto: direct, else through the relay; never: direct only; only: through the relay only')
    .choices(['auto', 'never', 'only'])
    .default('auto');
}

/**
 * `--retry-for DURATION`: how long a dropped peer link is reconnected (and the transfer resumed from
 * what was verified) before the session fails; 0 turns it off.
 */
function retryForOption(): Option {
  return new Option(
    '--retry-for <duration>',
    'when the connection drops, reconnect and resume for this long, e.g. 90s or 10m; 0 = off (default 5m)',
  ).argParser(parseDurationOrOff);
}

export interface HostPort {
  host: string;
  port: number;
}

/** `HOST:PORT` or `[V6]:PORT` → {host, port}. */
export function parseHostPort(value: string): HostPort {
  const match = /^\[([^\]]+)\]:(\d+)$/.exec(value) ?? /^([^:[\]]+):(\d+)$/.exec(value);
  if (!match) throw new InvalidArgumentError('Expected HOST:PORT, e.g. 127.0.0.1:0 or [::1]:4000.');
  return { host: match[1], port: parsePort(match[2]) };
}

export function parsePort(value: string): number {
  const port = Number(value);
  if (!/^\d+$/.test(value) || port > 65535) throw new InvalidArgumentError('Expected a port number from 0 to 65535.');
  return port;
}
