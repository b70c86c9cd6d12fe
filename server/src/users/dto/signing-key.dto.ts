import { ApiProperty } from '@nestjs/swagger';
import { IsString, Matches } from 'class-validator';

/** Base64 of exactly 32 bytes: 43 characters and one '=' of padding. */
export const ED25519_PUBLIC_KEY_BASE64 = /^[A-Za-z0-9+/]{42}[AEIMQUYcgkosw048]=$/;

export class PutSigningKeyDto {
  @ApiProperty({ description: 'Base64 of the raw 32-byte Ed25519 public key.', example: 'MCowBQYDK2VwAyEA…' })
  @IsString()
  @Matches(ED25519_PUBLIC_KEY_BASE64, { message: 'publicKey must be base64 of exactly 32 bytes' })
  publicKey: string;
}

export class SigningKeyView {
  @ApiProperty() username: string;
  @ApiProperty({ description: 'Base64 of the raw 32-byte Ed25519 public key.' }) publicKey: string;
  @ApiProperty({ description: 'Lowercase hex SHA-256 of the raw key.' }) fingerprint: string;
}
