import { Body, Controller, Get, HttpCode, Ip, Param, Post, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import type { AuthUser } from '../common/authenticated-request';
import { CurrentUser } from '../common/current-user.decorator';
import {
  CancelDto, CreateSessionDto, InterruptDto, JoinSessionDto, ReconnectedDto, RejoinSessionDto, ReportDto, WaitQueryDto,
} from './dto/session-requests.dto';
import { CreatedSessionView, JoinedSessionView, OfferView, SessionView } from './dto/session-view.dto';
import { DEFAULT_WAIT_SECONDS } from './session-limits';
import { SessionsService } from './sessions.service';

@ApiTags('sessions')
@ApiBearerAuth()
@Controller('sessions')
export class SessionsController {
  constructor(private readonly sessions: SessionsService) {}

  @Post()
  create(@CurrentUser() user: AuthUser, @Body() body: CreateSessionDto, @Ip() ip: string): Promise<CreatedSessionView> {
    return this.sessions.create(user, body, ip);
  }

  @Get()
  list(@CurrentUser() user: AuthUser): Promise<SessionView[]> {
    return this.sessions.list(user);
  }

  /** Waiting sessions opened for me (`--to` me) that I can still join. Declared before `:id`. */
  @Get('offers')
  @ApiOkResponse({ type: [OfferView] })
  offers(@CurrentUser() user: AuthUser): Promise<OfferView[]> {
    return this.sessions.offers(user);
  }

  @Get(':id')
  get(@CurrentUser() user: AuthUser, @Param('id') id: string): Promise<SessionView> {
    return this.sessions.get(user, id);
  }

  @Get(':id/wait')
  wait(@CurrentUser() user: AuthUser, @Param('id') id: string, @Query() query: WaitQueryDto): Promise<SessionView> {
    return this.sessions.wait(user, id, query.state, query.timeout ?? DEFAULT_WAIT_SECONDS);
  }

  @Post(':id/join')
  @HttpCode(200)
  join(@CurrentUser() user: AuthUser, @Param('id') id: string, @Body() body: JoinSessionDto): Promise<JoinedSessionView> {
    return this.sessions.join(user, id, body);
  }

  /** The peer link of `attempt` dropped (issue 14): joined → interrupted, once, whoever says it first. */
  @Post(':id/interrupt')
  @HttpCode(200)
  interrupt(@CurrentUser() user: AuthUser, @Param('id') id: string, @Body() body: InterruptDto): Promise<SessionView> {
    return this.sessions.interrupt(user, id, body);
  }

  /** The peer link of `attempt` is up again: interrupted → joined. */
  @Post(':id/reconnected')
  @HttpCode(200)
  reconnected(@CurrentUser() user: AuthUser, @Param('id') id: string, @Body() body: ReconnectedDto): Promise<SessionView> {
    return this.sessions.reconnected(user, id, body);
  }

  /** A participant whose process restarted: its new certificate (and the host's new address); answers like join. */
  @Post(':id/rejoin')
  @HttpCode(200)
  rejoin(@CurrentUser() user: AuthUser, @Param('id') id: string, @Body() body: RejoinSessionDto, @Ip() ip: string): Promise<JoinedSessionView> {
    return this.sessions.rejoin(user, id, body, ip);
  }

  @Post(':id/report')
  @HttpCode(200)
  report(@CurrentUser() user: AuthUser, @Param('id') id: string, @Body() body: ReportDto): Promise<SessionView> {
    return this.sessions.report(user, id, body);
  }

  @Post(':id/cancel')
  @HttpCode(200)
  cancel(@CurrentUser() user: AuthUser, @Param('id') id: string, @Body() body: CancelDto): Promise<SessionView> {
    return this.sessions.cancel(user, id, body);
  }
}
