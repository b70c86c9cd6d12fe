/**
 * Shapes of the server API (docs/api.md), taken from the server's own DTO classes (`import type`: nothing of
 * the server is loaded at run time). A change to a DTO on one side fails the type check on the other.
 * `Wire<T>` is the DTO as it travels in JSON: the server's string enums become their string values.
 */
import type { LoginView, MeView, UserView } from '../../../server/src/auth/dto/auth-views.dto';
import type {
  CreateSessionDto, EndpointDto, RejoinSessionDto, ReportDto,
} from '../../../server/src/sessions/dto/session-requests.dto';
import type {
  CreatedSessionView, JoinedSessionView, OfferView as OfferViewDto, SessionView as SessionViewDto,
} from '../../../server/src/sessions/dto/session-view.dto';
import type { SessionDirection, SessionState as SessionStateEnum } from '../../../server/src/sessions/session-state';
import type { CreateDeliveryDto, ReceiptDto } from '../../../server/src/deliveries/dto/delivery-requests.dto';
import type {
  CreatedDeliveryView, DeliveryView as DeliveryViewDto, OpenedDeliveryView, UploadProgressView,
} from '../../../server/src/deliveries/dto/delivery-view.dto';
import type { DeliveryKeyView } from '../../../server/src/users/dto/delivery-key.dto';
import type { RelayTicketView } from '../../../server/src/relay/dto/relay-ticket.dto';
import type { SigningKeyView } from '../../../server/src/users/dto/signing-key.dto';

/** A server DTO as JSON: string enums as their values (`'waiting'`, not `SessionState.Waiting`), deeply. */
export type Wire<T> = T extends string
  ? `${T}`
  : T extends readonly (infer Item)[]
    ? Wire<Item>[]
    : T extends object
      ? { [K in keyof T]: Wire<T[K]> }
      : T;

export type SessionState = `${SessionStateEnum}`;
export type Direction = `${SessionDirection}`;
export type Endpoint = Wire<EndpointDto>;
export type SessionView = Wire<SessionViewDto>;
/** A live session opened `--to` me that I can still join. */
export type OfferView = Wire<OfferViewDto>;
export type UserAnswer = Wire<UserView>;
export type LoginAnswer = Wire<LoginView>;
export type MeAnswer = Wire<MeView>;
export type SigningKeyAnswer = Wire<SigningKeyView>;
export type DeliveryKeyAnswer = Wire<DeliveryKeyView>;
export type CreateSessionBody = Wire<CreateSessionDto>;
/** `key`: base64 of the 32-byte session key. Secret. */
export type SessionWithKey = Wire<CreatedSessionView>;
export type JoinAnswer = Wire<JoinedSessionView>;
/** `files`: each a `FileSummary` (client/src/transfer/types.ts) without `savedAs`. */
export type ReportBody = Wire<ReportDto>;
/** A restarted participant's new certificate (the host's: and address), for `POST /sessions/:id/rejoin`. */
export type RejoinBody = Wire<RejoinSessionDto>;
export type DeliveryView = Wire<DeliveryViewDto>;
export type CreateDeliveryBody = Wire<CreateDeliveryDto>;
/** `key`: base64 of the delivery's 32-byte server key. Secret. */
export type CreatedDelivery = Wire<CreatedDeliveryView>;
export type OpenedDelivery = Wire<OpenedDeliveryView>;
export type UploadProgress = Wire<UploadProgressView>;
export type ReceiptBody = Wire<ReceiptDto>;
/** `ticket` is a bearer secret for its short life: never log it. */
export type RelayTicketAnswer = Wire<RelayTicketView>;
