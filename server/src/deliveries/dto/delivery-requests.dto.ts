import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { ArrayMaxSize, ArrayMinSize, IsArray, IsBoolean, IsInt, IsOptional, IsString, Length, Matches, Max, MaxLength, Min, ValidateNested } from 'class-validator';
import { USERNAME_PATTERN } from '../../users/username';
import { ED25519_PUBLIC_KEY_BASE64 } from '../../users/dto/signing-key.dto';
import { MAX_DELIVERY_FILES } from '../delivery-limits';

export class DeliveryFileDto {
  @ApiProperty() @IsString() @Length(1, 1024) name: string;
  @ApiProperty() @IsInt() @Min(0) @Max(Number.MAX_SAFE_INTEGER) size: number;
}

export class CreateDeliveryDto {
  @ApiProperty({ description: 'Who may fetch it.' })
  @IsString()
  @Matches(USERNAME_PATTERN, { message: 'recipient must be a valid username' })
  recipient: string;

  @ApiProperty({ type: [DeliveryFileDto] })
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(MAX_DELIVERY_FILES)
  @ValidateNested({ each: true })
  @Type(() => DeliveryFileDto)
  files: DeliveryFileDto[];

  @ApiProperty({ description: 'Size of the ciphertext blob that will be uploaded, in bytes.' })
  @IsInt()
  @Min(1)
  @Max(Number.MAX_SAFE_INTEGER)
  bytes: number;

  @ApiProperty({ description: "The sender's ephemeral X25519 public key for this delivery (base64 of 32 bytes)." })
  @IsString()
  @Matches(ED25519_PUBLIC_KEY_BASE64, { message: 'ephemeralKey must be base64 of exactly 32 bytes' })
  ephemeralKey: string;

  @ApiProperty({ description: "Fingerprint (hex SHA-256) of the recipient's delivery key the sender encrypted to." })
  @IsString()
  @Matches(/^[0-9a-f]{64}$/, { message: 'recipientKeyFingerprint must be 64 lowercase hex digits' })
  recipientKeyFingerprint: string;

  @ApiPropertyOptional({ description: 'Seconds until it expires unfetched (default SFT_DELIVERY_TTL, at most SFT_DELIVERY_MAX_TTL).' })
  @IsOptional()
  @IsInt()
  @Min(60)
  expiresInSeconds?: number;
}

export class ReceiptDto {
  @ApiProperty({ description: 'True only when every check passed and the files are in place.' }) @IsBoolean() verified: boolean;
  @ApiPropertyOptional() @IsOptional() @IsString() @MaxLength(500) reason?: string;
}
