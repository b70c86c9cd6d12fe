import { Body, Controller, Get, Headers, HttpCode, Param, ParseIntPipe, Post, Put, Req, Res } from '@nestjs/common';
import { ApiBearerAuth, ApiBody, ApiConsumes, ApiCreatedResponse, ApiHeader, ApiOkResponse, ApiProduces, ApiTags } from '@nestjs/swagger';
import type { Request, Response } from 'express';
import { sendBlob } from './blob-response';
import type { AuthUser } from '../common/authenticated-request';
import { CurrentUser } from '../common/current-user.decorator';
import { DeliveriesService } from './deliveries.service';
import { PART_BYTES } from './delivery-limits';
import { CreateDeliveryDto, ReceiptDto } from './dto/delivery-requests.dto';
import { CreatedDeliveryView, DeliveryView, OpenedDeliveryView, UploadProgressView } from './dto/delivery-view.dto';

@ApiTags('deliveries')
@ApiBearerAuth()
@Controller('deliveries')
export class DeliveriesController {
  constructor(private readonly deliveries: DeliveriesService) {}

  /** Announce a stored delivery (files, ciphertext size, ephemeral key); size and quota are checked here. */
  @Post()
  @ApiCreatedResponse({ type: CreatedDeliveryView })
  create(@CurrentUser() user: AuthUser, @Body() body: CreateDeliveryDto): Promise<CreatedDeliveryView> {
    return this.deliveries.create(user, body);
  }

  /** My deliveries as sender (all) or recipient (complete uploads), newest first. */
  @Get()
  @ApiOkResponse({ type: [DeliveryView] })
  list(@CurrentUser() user: AuthUser): Promise<DeliveryView[]> {
    return this.deliveries.list(user);
  }

  @Get(':id')
  @ApiOkResponse({ type: DeliveryView })
  get(@CurrentUser() user: AuthUser, @Param('id') id: string): Promise<DeliveryView> {
    return this.deliveries.get(user, id);
  }

  /** Upload part `index` of the ciphertext: a raw body (not JSON) of exactly PART_BYTES (the last part shorter). */
  @Put(':id/parts/:index')
  @ApiConsumes('application/octet-stream')
  @ApiBody({ schema: { type: 'string', format: 'binary' }, description: `Part of the ciphertext, ${PART_BYTES} bytes (the last one shorter).` })
  @ApiOkResponse({ type: UploadProgressView })
  putPart(
    @CurrentUser() user: AuthUser,
    @Param('id') id: string,
    @Param('index', ParseIntPipe) index: number,
    @Req() request: Request,
  ): Promise<UploadProgressView> {
    return this.deliveries.putPart(user, id, index, request);
  }

  /** Every part is stored: make the delivery visible to its recipient. */
  @Post(':id/complete')
  @HttpCode(200)
  @ApiOkResponse({ type: DeliveryView })
  complete(@CurrentUser() user: AuthUser, @Param('id') id: string): Promise<DeliveryView> {
    return this.deliveries.complete(user, id);
  }

  /** For the recipient: the delivery's server key and the sender's identity key. */
  @Post(':id/open')
  @HttpCode(200)
  @ApiOkResponse({ type: OpenedDeliveryView })
  open(@CurrentUser() user: AuthUser, @Param('id') id: string): Promise<OpenedDeliveryView> {
    return this.deliveries.open(user, id);
  }

  /** For the recipient: the ciphertext; `Range: bytes=N-` answers 206 with the rest from byte N (a resumed download). */
  @Get(':id/blob')
  @ApiProduces('application/octet-stream')
  @ApiHeader({ name: 'Range', required: false, description: '`bytes=N-`: only the bytes from N to the end (206). Other forms are ignored (200, the whole blob).' })
  async blob(@CurrentUser() user: AuthUser, @Param('id') id: string, @Headers('range') range: string | undefined, @Res() response: Response): Promise<void> {
    await sendBlob(response, await this.deliveries.blob(user, id, range));
  }

  /** For the recipient: whether every check passed. The ciphertext and the key are deleted either way. */
  @Post(':id/receipt')
  @HttpCode(200)
  @ApiOkResponse({ type: DeliveryView })
  receipt(@CurrentUser() user: AuthUser, @Param('id') id: string, @Body() body: ReceiptDto): Promise<DeliveryView> {
    return this.deliveries.receipt(user, id, body);
  }

  /** For the sender: take back a delivery not yet received; its ciphertext is deleted. */
  @Post(':id/withdraw')
  @HttpCode(200)
  @ApiOkResponse({ type: DeliveryView })
  withdraw(@CurrentUser() user: AuthUser, @Param('id') id: string): Promise<DeliveryView> {
    return this.deliveries.withdraw(user, id);
  }
}
