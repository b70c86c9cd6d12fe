/**
 * The relay's one-line opening handshake (docs/protocol.md "The relay line"):
 *
 *   client → relay   `sft-relay/1 please relay <ticket>\n`
 *   relay  → client  `ok\n`                 once the other participant is connected too, or
 *                    `error: <reason>\n`    and the relay closes the connection.
 *
 * The client sends nothing after its line until it has read `ok\n`; after `ok` the connection is a
 * plain byte pipe to the other participant.
 */
import { MAX_TICKET_CHARS } from './ticket';

export const RELAY_PROTOCOL_VERSION = 1;
/** Longest opening line, newline included; checked before the line is kept. */
export const MAX_OPENING_LINE = MAX_TICKET_CHARS + 64;
export const OK_LINE = 'ok\n';

export function openingLine(ticket: string): string {
  return `sft-relay/${RELAY_PROTOCOL_VERSION} please relay ${ticket}\n`;
}

export function errorLine(reason: string): string {
  return `error: ${reason}\n`;
}

export class OpeningLineError extends Error {
  constructor(readonly reason: string) {
    super(reason);
    this.name = 'OpeningLineError';
  }
}

/** Parses a line (without its `\n`) into the ticket text; throws OpeningLineError with the refusal reason. */
export function parseOpeningLine(line: string): string {
  const match = /^sft-relay\/(\d{1,4}) please relay (\S+)$/.exec(line);
  if (!match) throw new OpeningLineError('bad opening line');
  if (Number(match[1]) !== RELAY_PROTOCOL_VERSION) {
    throw new OpeningLineError(`unsupported version (this relay speaks sft-relay/${RELAY_PROTOCOL_VERSION})`);
  }
  return match[2];
}

/** A relay address `tls://host:port` (IPv6 in brackets). */
export interface RelayAddress {
  host: string;
  port: number;
  /** The canonical text, as tickets carry it. */
  url: string;
}

/** Parses `tls://host:port` (or a bare `host:port`) into the canonical `tls://host:port`. */
export function parseRelayUrl(text: string, setting = 'SFT_RELAY_URL'): RelayAddress {
  const withScheme = /^[a-z][a-z0-9+.-]*:\/\//i.test(text) ? text : `tls://${text}`;
  let url: URL;
  try {
    url = new URL(withScheme);
  } catch {
    throw new Error(`Invalid configuration: ${setting} must look like tls://relay.example.org:8444, got "${text}".`);
  }
  const port = Number(url.port);
  if (url.protocol !== 'tls:' || url.hostname === '' || !url.port || !Number.isInteger(port) || port < 1 || port > 65535 ||
      url.pathname.replace(/^\/$/, '') !== '' || url.search || url.username) {
    throw new Error(`Invalid configuration: ${setting} must look like tls://relay.example.org:8444, got "${text}".`);
  }
  const hostname = url.hostname.toLowerCase(); // a non-special scheme keeps the case as typed
  return { host: hostname.replace(/^\[|\]$/g, ''), port, url: `tls://${hostname}:${port}` };
}
