/**
 * The server under load, in its own process so the load loop does not share its event loop:
 * `node server-child.js DB_URL DATA_DIR [verbose]`. Starts the real server (startServer) on 127.0.0.1 and a free
 * port, quiet, with the login rate limits raised so the bench measures throughput rather than the limiter,
 * prints `{"event":"listening","url":…,"caCertificate":…,"bcryptCost":…}` and runs until SIGTERM.
 * SFT_BENCH_SERVER_ENV (a JSON object of SFT_* settings, e.g. SFT_REDIS_URL) is the server's environment;
 * nothing else of the bench's environment reaches it.
 */
import '../../client/src/v8-flags'; // first, as bin/sft.js does for `sft server`
import { startServer } from '../../server/src/main';

const BCRYPT_COST = 12;
const UNLIMITED = 1_000_000;

async function main(): Promise<void> {
  const [dbUrl, dataDir, verbose] = process.argv.slice(2);
  const server = await startServer({
    port: 0,
    host: '127.0.0.1',
    dbUrl,
    dataDir,
    quiet: verbose !== 'verbose',
    bcryptCost: BCRYPT_COST,
    loginLimit: UNLIMITED,
    loginAddressLimit: UNLIMITED,
    env: serverEnv(),
  });
  process.stdout.write(`${JSON.stringify({ event: 'listening', url: server.url, caCertificate: server.caCertPath, bcryptCost: BCRYPT_COST })}\n`);
  process.once('SIGTERM', () => void server.close().then(() => process.exit(0)));
}

function serverEnv(): NodeJS.ProcessEnv {
  const raw = process.env.SFT_BENCH_SERVER_ENV;
  return raw ? (JSON.parse(raw) as NodeJS.ProcessEnv) : {};
}

main().catch((error: Error) => {
  process.stderr.write(`server-child: ${error.message.split('\n')[0]}\n`);
  process.exit(1);
});
