import { Controller, HttpCode, Param, Post } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { AuthUser } from '../common/authenticated-request';
import { CurrentUser } from '../common/current-user.decorator';
import { RelayTicketView } from './dto/relay-ticket.dto';
import { RelayTicketsService } from './relay-tickets.service';

@ApiTags('relay')
@ApiBearerAuth()
@Controller('sessions')
export class RelayTicketsController {
  constructor(private readonly tickets: RelayTicketsService) {}

  @Post(':id/relay-ticket')
  @HttpCode(200)
  @ApiOperation({ summary: "A short-lived, single-use ticket for the session's relay (participants only)." })
  @ApiOkResponse({ type: RelayTicketView })
  issue(@CurrentUser() user: AuthUser, @Param('id') id: string): Promise<RelayTicketView> {
    return this.tickets.issue(user, id);
  }
}
