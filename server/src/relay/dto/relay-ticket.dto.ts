import { ApiProperty } from '@nestjs/swagger';

/** A relay ticket for one participant of one session (docs/protocol.md "Relay tickets"). */
export class RelayTicketView {
  @ApiProperty({ description: 'The signed ticket, sent in the relay opening line. A bearer secret: use it once, never log it.' })
  ticket: string;

  @ApiProperty({ example: 'tls://relay.example.org:8444', description: 'The relay to dial (TLS, verified like the server).' })
  relay: string;

  @ApiProperty({ enum: ['host', 'joiner'] })
  role: 'host' | 'joiner';

  @ApiProperty({ description: 'Most bytes the relay forwards for this session, both directions together.' })
  byteCap: number;

  @ApiProperty({ description: 'The opening line must reach the relay before this time (ISO 8601).' })
  expiresAt: string;
}
