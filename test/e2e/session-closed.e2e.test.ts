/** Sessions that end without a transfer: Ctrl-C, joining a closed session, expiry. */
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SftUser } from '../support/sft-process';
import { startServerWithUsers, type ServerWithUsers } from '../support/two-users';

let world: ServerWithUsers;
let gina: SftUser;
let hank: SftUser;

beforeAll(async () => {
  // Sessions expire after 2 s here, swept every 0.2 s.
  world = await startServerWithUsers(['gina', 'hank'], { SFT_SESSION_TTL: '2', SFT_SWEEP_INTERVAL: '0.2' });
  [gina, hank] = world.users;
  await fs.writeFile(path.join(gina.dir, 'f.txt'), 'f');
});

afterAll(async () => {
  await world?.stop();
});

describe('closed sessions', () => {
  it('cancels the session on Ctrl-C (exit 6), and a later join is refused with exit 6', async () => {
    const host = gina.spawn(['host-session', 'f.txt', '--listen', '127.0.0.1:0']);
    const id = await host.sessionId();
    host.kill('SIGINT');
    const hosted = await host.done;
    expect(hosted.code).toBe(6);
    const joined = await hank.run(['join', id, '--out', 'x']);
    expect(joined.code).toBe(6);
    expect(joined.stderr).toMatch(/cancelled/);
  });

  it('ends the host with exit 6 when nobody joins before the session expires', async () => {
    const hosted = await gina.run(['host-session', 'f.txt', '--listen', '127.0.0.1:0']);
    expect(hosted.code).toBe(6);
    expect(hosted.stderr).toMatch(/expired/);
  });
});
