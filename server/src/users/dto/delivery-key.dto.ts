import { ApiProperty } from '@nestjs/swagger';
import { IsString, Matches } from 'class-validator';
import { ED25519_PUBLIC_KEY_BASE64 } from './signing-key.dto';

/** Base64 of exactly 64 bytes (an Ed25519 signature): 86 characters and '=='. */
export const ED25519_SIGNATURE_BASE64 = /^[A-Za-z0-9+/]{85}[AQgw]==$/;

export class PutDeliveryKeyDto {
  @ApiProperty({ description: 'Base64 of the raw 32-byte X25519 public key.' })
  @IsString()
  @Matches(ED25519_PUBLIC_KEY_BASE64, { message: 'publicKey must be base64 of exactly 32 bytes' })
  publicKey: string;

  @ApiProperty({ description: 'Base64 of the Ed25519 signature by the identity key over LP("sft/v1/delivery-key", username, raw key).' })
  @IsString()
  @Matches(ED25519_SIGNATURE_BASE64, { message: 'signature must be base64 of exactly 64 bytes' })
  signature: string;
}

export class DeliveryKeyView {
  @ApiProperty() username: string;
  @ApiProperty({ description: 'Base64 of the raw 32-byte X25519 public key.' }) publicKey: string;
  @ApiProperty({ description: "Base64 of the Ed25519 signature by the user's identity key." }) signature: string;
  @ApiProperty({ description: 'Lowercase hex SHA-256 of the raw key.' }) fingerprint: string;
  @ApiProperty({ type: String, nullable: true, description: "The user's Ed25519 identity key (base64), to check the signature with." })
  signingKey: string | null;
}
