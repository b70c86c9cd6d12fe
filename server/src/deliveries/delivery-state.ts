/**
 * A stored delivery's life: `uploading` (only the sender sees it) → `ready` (the recipient sees it) →
 * `received` (verified receipt; ciphertext deleted) | `failed` (the recipient's checks failed; deleted) |
 * `withdrawn` (by the sender) | `expired` (nobody fetched it in time). Every state after `ready` has no
 * ciphertext and no key any more.
 */
export enum DeliveryState {
  Uploading = 'uploading',
  Ready = 'ready',
  Received = 'received',
  Failed = 'failed',
  Withdrawn = 'withdrawn',
  Expired = 'expired',
}

export const OPEN_DELIVERY_STATES: readonly DeliveryState[] = [DeliveryState.Uploading, DeliveryState.Ready];

export function isOpenDelivery(state: DeliveryState): boolean {
  return OPEN_DELIVERY_STATES.includes(state);
}
