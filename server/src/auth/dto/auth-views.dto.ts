import { ApiProperty } from '@nestjs/swagger';

export class UserView {
  @ApiProperty() id: string;
  @ApiProperty() username: string;
}

export class MeView extends UserView {
  @ApiProperty({ type: String, nullable: true, description: 'Base64 Ed25519 public key, or null.' })
  signingKey: string | null;
}

export class LoginView {
  @ApiProperty({ description: 'Bearer token (JWT).' }) token: string;
  @ApiProperty({ description: 'ISO time the token expires.' }) expiresAt: string;
  @ApiProperty({ type: UserView }) user: UserView;
}
