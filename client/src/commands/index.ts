/**
 * Every command, by the name cli.ts declares it under. Each is loaded only when it runs, so
 * `sft --help` or `sft whoami` does not pay for the server, the prompts or certificate making.
 */
import type { CommandName } from '../cli';
import type { Deps } from './deps';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type CommandFunction = (opts: any, deps: Deps) => Promise<void>;

export const COMMANDS: Record<CommandName, () => Promise<CommandFunction>> = {
  server: async () => (await import('./server')).server,
  relay: async () => (await import('./relay')).relay,
  register: async () => (await import('./register')).register,
  login: async () => (await import('./login')).login,
  logout: async () => (await import('./logout')).logout,
  whoami: async () => (await import('./whoami')).whoami,
  'host-session': async () => (await import('./host-session')).hostSession,
  join: async () => (await import('./join')).join,
  sessions: async () => (await import('./sessions')).sessions,
  inbox: async () => (await import('./inbox')).inbox,
  send: async () => (await import('./send')).send,
  receive: async () => (await import('./receive')).receive,
  withdraw: async () => (await import('./withdraw')).withdraw,
  trust: async () => (await import('./trust')).trust,
  demo: async () => (await import('./demo')).demo,
};
