import { formatSessionId } from '../sessions/session-id';
import type { DeliveryView } from './dto/delivery-view.dto';
import type { Delivery } from './delivery.entity';

/** Maps a delivery row to what its sender and recipient see (never the key). */
export function toDeliveryView(d: Delivery): DeliveryView {
  return {
    id: formatSessionId(d.id),
    state: d.state,
    sender: d.senderUsername,
    recipient: d.recipientUsername,
    files: d.files,
    bytes: d.bytes,
    partCount: d.partCount,
    uploadedParts: d.uploadedParts,
    ephemeralKey: d.ephemeralKey,
    recipientKeyFingerprint: d.recipientKeyFingerprint,
    reason: d.reason,
    createdAt: d.createdAt.toISOString(),
    expiresAt: d.expiresAt.toISOString(),
    closedAt: d.closedAt ? d.closedAt.toISOString() : null,
  };
}
