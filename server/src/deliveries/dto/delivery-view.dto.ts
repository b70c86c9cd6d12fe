import { ApiProperty } from '@nestjs/swagger';
import { DeliveryState } from '../delivery-state';

class DeliveryFileView {
  @ApiProperty() name: string;
  @ApiProperty() size: number;
}

/** What the sender and the recipient see of a stored delivery. Never holds the key. */
export class DeliveryView {
  @ApiProperty({ example: 'k3v9-2mxq-8d4r-tz1a' }) id: string;
  @ApiProperty({ enum: DeliveryState }) state: DeliveryState;
  @ApiProperty() sender: string;
  @ApiProperty() recipient: string;
  @ApiProperty({ type: [DeliveryFileView] }) files: DeliveryFileView[];
  @ApiProperty({ description: 'Ciphertext bytes.' }) bytes: number;
  @ApiProperty() partCount: number;
  @ApiProperty() uploadedParts: number;
  @ApiProperty() ephemeralKey: string;
  @ApiProperty() recipientKeyFingerprint: string;
  @ApiProperty({ type: String, nullable: true }) reason: string | null;
  @ApiProperty() createdAt: string;
  @ApiProperty() expiresAt: string;
  @ApiProperty({ type: String, nullable: true }) closedAt: string | null;
}

export class CreatedDeliveryView {
  @ApiProperty({ type: DeliveryView }) delivery: DeliveryView;
  @ApiProperty({ description: "The delivery's 32-byte server key, base64 (half of what the file key is derived from)." }) key: string;
}

export class OpenedDeliveryView extends CreatedDeliveryView {
  @ApiProperty({ type: String, nullable: true, description: "The sender's Ed25519 public key, base64." })
  senderSigningKey: string | null;
}

export class UploadProgressView {
  @ApiProperty() uploadedParts: number;
  @ApiProperty() partCount: number;
}
