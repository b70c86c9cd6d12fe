import type { ApiClient } from './https-client';

export interface TestAccount {
  id: string;
  username: string;
  password: string;
  token: string;
}

/** Registers `username` and logs in; throws with the server's answer if either fails. */
export async function registerAndLogin(api: ApiClient, username: string, password = `pw-${username}-correct horse`): Promise<TestAccount> {
  const registered = await api.post('/auth/register', { body: { username, password } });
  if (registered.status !== 201) throw new Error(`register ${username}: ${registered.status} ${registered.text}`);
  const loggedIn = await api.post('/auth/login', { body: { username, password } });
  if (loggedIn.status !== 200) throw new Error(`login ${username}: ${loggedIn.status} ${loggedIn.text}`);
  return { id: registered.body.id, username: registered.body.username, password, token: loggedIn.body.token };
}
