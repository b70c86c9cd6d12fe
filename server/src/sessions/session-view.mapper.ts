import type { OfferView, SessionView } from './dto/session-view.dto';
import { formatSessionId } from './session-id';
import { RelayMode } from './session-state';
import type { Session } from './session.entity';

/** Maps a session row to what participants see (never the key). */
export function toSessionView(session: Session): SessionView {
  const reported = session.senderReport?.files.map(({ name, size }) => ({ name, size }));
  return {
    id: formatSessionId(session.id),
    state: session.state,
    direction: session.direction,
    host: session.hostUsername,
    joiner: session.joinerUsername,
    invitee: session.inviteeUsername,
    endpoint: session.hostRelay === RelayMode.Only ? null : { host: session.endpointHost, port: session.endpointPort },
    candidates: session.hostRelay === RelayMode.Only ? [] : [{ host: session.endpointHost, port: session.endpointPort }, ...(session.candidates ?? [])],
    relay: session.hostRelay,
    path: session.path,
    hostCertificate: session.hostCertificate,
    hostFingerprint: session.hostFingerprint,
    joinerCertificate: session.joinerCertificate,
    joinerFingerprint: session.joinerFingerprint,
    files: reported ?? session.files,
    bytes: session.bytes,
    reason: session.reason,
    createdAt: session.createdAt.toISOString(),
    expiresAt: session.expiresAt.toISOString(),
    closedAt: session.closedAt ? session.closedAt.toISOString() : null,
    attempt: session.attempt,
    interruptedAt: session.interruptedAt ? session.interruptedAt.toISOString() : null,
    linkBytes: session.linkBytes,
    // Only whether: the reports themselves (digests, reasons) are compared here, never shown.
    reported: { sender: session.senderReport !== null, receiver: session.receiverReport !== null },
  };
}

/** What an invitee sees of a waiting session opened for them: who, which way, what, until when. */
export function toOfferView(session: Session): OfferView {
  return {
    id: formatSessionId(session.id),
    direction: session.direction,
    host: session.hostUsername,
    files: session.files,
    createdAt: session.createdAt.toISOString(),
    expiresAt: session.expiresAt.toISOString(),
  };
}
