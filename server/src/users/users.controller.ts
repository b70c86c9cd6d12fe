import { Body, Controller, Get, Param, Put } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import type { AuthUser } from '../common/authenticated-request';
import { CurrentUser } from '../common/current-user.decorator';
import { DeliveryKeyView, PutDeliveryKeyDto } from './dto/delivery-key.dto';
import { PutSigningKeyDto, SigningKeyView } from './dto/signing-key.dto';
import { UsersService } from './users.service';

@ApiTags('users')
@ApiBearerAuth()
@Controller('users')
export class UsersController {
  constructor(private readonly users: UsersService) {}

  /** Upload (or replace) my Ed25519 public signing key. */
  @Put('me/signing-key')
  putMySigningKey(@CurrentUser() user: AuthUser, @Body() body: PutSigningKeyDto): Promise<SigningKeyView> {
    return this.users.setSigningKey(user.id, body.publicKey);
  }

  /** Publish (or replace) my X25519 delivery key, signed by my identity key. */
  @Put('me/delivery-key')
  putMyDeliveryKey(@CurrentUser() user: AuthUser, @Body() body: PutDeliveryKeyDto): Promise<DeliveryKeyView> {
    return this.users.setDeliveryKey(user.id, body);
  }

  /** Read a user's delivery key, its signature and their identity key (to check it with). */
  @Get(':username/delivery-key')
  getDeliveryKey(@CurrentUser() user: AuthUser, @Param('username') username: string): Promise<DeliveryKeyView> {
    return this.users.getDeliveryKey(user.id, username);
  }

  /** Read a user's Ed25519 public signing key. */
  @Get(':username/signing-key')
  getSigningKey(@CurrentUser() user: AuthUser, @Param('username') username: string): Promise<SigningKeyView> {
    return this.users.getSigningKey(user.id, username);
  }
}
