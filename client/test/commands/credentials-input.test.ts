import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { askPassword, askUsername, stripOneNewline } from '../../src/commands/credentials-input';
import type { Deps } from '../../src/commands/deps';

function depsWithStdin(text: string, isTTY = false): Deps {
  const stdin = Object.assign(Readable.from([text]), { isTTY });
  return { stdin } as unknown as Deps;
}

describe(stripOneNewline.name, () => {
  it('strips exactly one trailing newline', () => {
    expect(stripOneNewline('pw\n\n')).toBe('pw\n');
    expect(stripOneNewline('pw\r\n')).toBe('pw');
    expect(stripOneNewline('pw')).toBe('pw');
  });
});

describe(askPassword.name, () => {
  it('reads all of stdin with --password-stdin, keeping inner spaces', async () => {
    expect(await askPassword({ passwordStdin: true }, depsWithStdin(' pass word \n'), false)).toBe(' pass word ');
  });

  it('refuses an empty password from stdin (exit 2)', async () => {
    await expect(askPassword({ passwordStdin: true }, depsWithStdin('\n'), false)).rejects.toMatchObject({ exitCode: 2 });
  });

  it('refuses to prompt when stdin is not a terminal (exit 2)', async () => {
    await expect(askPassword({}, depsWithStdin(''), false)).rejects.toMatchObject({ exitCode: 2 });
  });
});

describe(askUsername.name, () => {
  it('uses --username as given', async () => {
    expect(await askUsername({ username: 'alice' }, depsWithStdin(''))).toBe('alice');
  });

  it('refuses to prompt when stdin is not a terminal (exit 2)', async () => {
    await expect(askUsername({}, depsWithStdin(''))).rejects.toMatchObject({ exitCode: 2, message: expect.stringMatching(/username/) });
  });

  it('uses the remembered username when --username is absent, and --username over it', async () => {
    expect(await askUsername({ passwordStdin: true }, depsWithStdin(''), 'alice')).toBe('alice');
    expect(await askUsername({ username: 'bob', passwordStdin: true }, depsWithStdin(''), 'alice')).toBe('bob');
  });
});
