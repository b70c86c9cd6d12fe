import { ApiProperty } from '@nestjs/swagger';
import { LinkPath, RelayMode, SessionDirection, SessionState } from '../session-state';

class EndpointView {
  @ApiProperty() host: string;
  @ApiProperty() port: number;
}

class ReportedView {
  @ApiProperty({ description: 'The sender has reported.' }) sender: boolean;
  @ApiProperty({ description: 'The receiver has reported.' }) receiver: boolean;
}

class FileView {
  @ApiProperty() name: string;
  @ApiProperty() size: number;
}

/** What participants see of a session. Never holds the key. */
export class SessionView {
  @ApiProperty({ example: 'k3v9-2mxq-8d4r-tz1a' }) id: string;
  @ApiProperty({ enum: SessionState }) state: SessionState;
  @ApiProperty({ enum: SessionDirection }) direction: SessionDirection;
  @ApiProperty() host: string;
  @ApiProperty({ type: String, nullable: true }) joiner: string | null;
  @ApiProperty({ type: String, nullable: true }) invitee: string | null;
  @ApiProperty({ type: EndpointView, nullable: true, description: "The host's direct endpoint; null when the host uses only the relay." })
  endpoint: EndpointView | null;
  @ApiProperty({ type: [EndpointView], description: 'Every address the joiner may dial: the endpoint first, then the host\'s other addresses and the address the server saw it come from. Empty with relay `only`.' })
  candidates: EndpointView[];
  @ApiProperty({ enum: RelayMode, description: "The host's --relay: whether it also waits at the relay (auto), never, or only there." })
  relay: RelayMode;
  @ApiProperty({ enum: LinkPath, nullable: true, description: 'The path the transfer took, once a report named it.' })
  path: LinkPath | null;
  @ApiProperty() hostCertificate: string;
  @ApiProperty() hostFingerprint: string;
  @ApiProperty({ type: String, nullable: true }) joinerCertificate: string | null;
  @ApiProperty({ type: String, nullable: true }) joinerFingerprint: string | null;
  @ApiProperty({ type: [FileView] }) files: FileView[];
  @ApiProperty() bytes: number;
  @ApiProperty({ type: String, nullable: true }) reason: string | null;
  @ApiProperty() createdAt: string;
  @ApiProperty() expiresAt: string;
  @ApiProperty({ type: String, nullable: true }) closedAt: string | null;
  @ApiProperty({ description: 'The index of the current peer link: 0 for the first, one more at each interruption.' })
  attempt: number;
  @ApiProperty({ type: String, nullable: true, description: 'When the last interruption began; null if the link never dropped.' })
  interruptedAt: string | null;
  @ApiProperty({ type: Number, nullable: true, description: "File bytes that crossed the peer links over all attempts (the receiver's report, else the sender's); null before a report names it." })
  linkBytes: number | null;
  @ApiProperty({
    type: ReportedView,
    description: 'Which sides have reported. A report that the transfer failed closes the session at once, so in an open session a side that reported verified it.',
  })
  reported: ReportedView;
}

/** A live offer as its invitee sees it in their inbox (`GET /sessions/offers`): no certificates, no endpoint. */
export class OfferView {
  @ApiProperty({ example: 'k3v9-2mxq-8d4r-tz1a' }) id: string;
  @ApiProperty({ enum: SessionDirection }) direction: SessionDirection;
  @ApiProperty({ description: 'Who opened the session (and waits for you to join).' }) host: string;
  @ApiProperty({ type: [FileView], description: 'The files the host announced (names as the host chose them).' }) files: FileView[];
  @ApiProperty() createdAt: string;
  @ApiProperty({ description: 'When the offer expires unjoined.' }) expiresAt: string;
}

export class CreatedSessionView {
  @ApiProperty({ type: SessionView }) session: SessionView;
  @ApiProperty({ description: 'The 32-byte session key, base64.' }) key: string;
}

export class JoinedSessionView extends CreatedSessionView {
  @ApiProperty({ type: String, nullable: true, description: "The host's Ed25519 public key, base64." })
  hostSigningKey: string | null;
}
