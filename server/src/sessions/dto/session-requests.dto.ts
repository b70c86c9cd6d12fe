import { applyDecorators } from '@nestjs/common';
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import {
  ArrayMaxSize, IsArray, IsBoolean, IsDefined, IsEnum, IsInt, IsOptional, IsString, Length, Matches, Max, MaxLength, Min,
  ValidateIf, ValidateNested,
} from 'class-validator';
import { USERNAME_PATTERN } from '../../users/username';
import { DEFAULT_WAIT_SECONDS, MAX_CERTIFICATE_BYTES, MAX_WAIT_SECONDS } from '../session-limits';
import { LinkPath, RelayMode, ReportRole, SessionDirection, SessionState } from '../session-state';

/** Most files one session may list; the client's transfer limit (client/src/transfer/manifest.ts) is the same. */
const MAX_FILES = 1000;
/** Most extra addresses a host may advertise. */
export const MAX_CANDIDATES = 16;

export class EndpointDto {
  @ApiProperty({ example: '127.0.0.1', description: 'Host name or IP address the host peer listens on.' })
  @IsString()
  @Matches(/^[A-Za-z0-9.:_%-]{1,255}$/, { message: 'endpoint.host must be a host name or IP address' })
  host: string;

  @ApiProperty({ example: 40123 })
  @IsInt()
  @Min(1)
  @Max(65535)
  port: number;
}

/** An optional list of at most MAX_CANDIDATES more endpoints of the host, each checked as an EndpointDto. */
function Candidates(description: string): PropertyDecorator {
  return applyDecorators(
    ApiPropertyOptional({ type: [EndpointDto], description }),
    IsOptional(),
    IsArray(),
    ArrayMaxSize(MAX_CANDIDATES),
    ValidateNested({ each: true }),
    Type(() => EndpointDto),
  );
}

export class AnnouncedFileDto {
  @ApiProperty() @IsString() @Length(1, 1024) name: string;
  @ApiProperty() @IsInt() @Min(0) @Max(Number.MAX_SAFE_INTEGER) size: number;
}

export class CreateSessionDto {
  @ApiProperty({ enum: SessionDirection })
  @IsEnum(SessionDirection, { message: 'direction must be host-sends or host-receives' })
  direction: SessionDirection;

  @ApiPropertyOptional({ description: 'Only this user may join.' })
  @IsOptional()
  @IsString()
  @Matches(USERNAME_PATTERN, { message: 'invitee must be a valid username' })
  invitee?: string;

  @ApiPropertyOptional({ type: EndpointDto, description: 'Where the joiner dials the host; required unless relay is `only`.' })
  @ValidateIf((body: CreateSessionDto) => body.relay !== RelayMode.Only || body.endpoint !== undefined)
  @IsDefined({ message: 'endpoint is required unless relay is only' })
  @ValidateNested()
  @Type(() => EndpointDto)
  endpoint?: EndpointDto;

  @Candidates(`More addresses the host listens on (its interfaces), at most ${MAX_CANDIDATES}.`)
  candidates?: EndpointDto[];

  @ApiPropertyOptional({ enum: RelayMode, default: RelayMode.Auto, description: 'The host also waits at the relay (auto), never, or only there.' })
  @IsOptional()
  @IsEnum(RelayMode, { message: 'relay must be auto, never or only' })
  relay?: RelayMode;

  @ApiProperty({ description: `The host's ephemeral self-signed TLS certificate, PEM, at most ${MAX_CERTIFICATE_BYTES} bytes.` })
  @IsString()
  @MaxLength(MAX_CERTIFICATE_BYTES)
  certificate: string;

  @ApiPropertyOptional({ type: [AnnouncedFileDto] })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(MAX_FILES)
  @ValidateNested({ each: true })
  @Type(() => AnnouncedFileDto)
  files?: AnnouncedFileDto[];
}

export class JoinSessionDto {
  @ApiProperty({ description: `The joiner's ephemeral self-signed TLS certificate, PEM, at most ${MAX_CERTIFICATE_BYTES} bytes.` })
  @IsString()
  @MaxLength(MAX_CERTIFICATE_BYTES)
  certificate: string;
}

export class ReportedFileDto extends AnnouncedFileDto {
  @ApiProperty({ description: 'CRC32, 8 lowercase hex digits.' })
  @Matches(/^[0-9a-f]{8}$/, { message: 'crc32 must be 8 lowercase hex digits' })
  crc32: string;

  @ApiProperty({ description: 'SHA-256, 64 lowercase hex digits.' })
  @Matches(/^[0-9a-f]{64}$/, { message: 'sha256 must be 64 lowercase hex digits' })
  sha256: string;
}

export class ReportDto {
  @ApiProperty({ enum: ReportRole })
  @IsEnum(ReportRole, { message: 'role must be sender or receiver' })
  role: ReportRole;

  @ApiProperty() @IsInt() @Min(0) @Max(Number.MAX_SAFE_INTEGER) bytes: number;

  @ApiProperty({ type: [ReportedFileDto] })
  @IsArray()
  @ArrayMaxSize(MAX_FILES)
  @ValidateNested({ each: true })
  @Type(() => ReportedFileDto)
  files: ReportedFileDto[];

  @ApiProperty() @IsBoolean() verified: boolean;

  @ApiPropertyOptional() @IsOptional() @IsString() @MaxLength(500) reason?: string;

  @ApiPropertyOptional({ enum: LinkPath, description: 'The path the transfer took (the first report that names it sets it).' })
  @IsOptional()
  @IsEnum(LinkPath, { message: 'path must be direct or relay' })
  path?: LinkPath;

  @ApiPropertyOptional({ description: 'File bytes this side moved over the peer links, all attempts together (resume: less than `bytes` when parts were not sent again).' })
  @IsOptional()
  @IsInt()
  @Min(0)
  @Max(Number.MAX_SAFE_INTEGER)
  linkBytes?: number;
}

/** Attempts are counted in an `int` column; no session comes near this. */
const MAX_ATTEMPT = 2_000_000_000;

/** `POST /sessions/:id/interrupt`: the link of `attempt` dropped. */
export class InterruptDto {
  @ApiProperty({ minimum: 0, description: 'The attempt (link index) that dropped, as the caller knows it.' })
  @IsInt()
  @Min(0)
  @Max(MAX_ATTEMPT)
  attempt: number;

  @ApiPropertyOptional({ description: 'Why, in words (shown to the peer while the session is interrupted).' })
  @IsOptional()
  @IsString()
  @MaxLength(500)
  reason?: string;
}

/** `POST /sessions/:id/reconnected`: the link of `attempt` carried a HELLO exchange. */
export class ReconnectedDto {
  @ApiProperty({ minimum: 0, description: 'The attempt (link index) that is up again.' })
  @IsInt()
  @Min(0)
  @Max(MAX_ATTEMPT)
  attempt: number;
}

/** `POST /sessions/:id/rejoin`: a participant whose process restarted brings its new certificate (and, the host, its new address). */
export class RejoinSessionDto {
  @ApiProperty({ description: `The participant's new ephemeral self-signed TLS certificate, PEM, at most ${MAX_CERTIFICATE_BYTES} bytes.` })
  @IsString()
  @MaxLength(MAX_CERTIFICATE_BYTES)
  certificate: string;

  @ApiPropertyOptional({ type: EndpointDto, description: "The host's new direct endpoint (the host only); absent: the old one stays." })
  @IsOptional()
  @ValidateNested()
  @Type(() => EndpointDto)
  endpoint?: EndpointDto;

  @Candidates(`The host's other addresses, at most ${MAX_CANDIDATES} (the host only, with endpoint).`)
  candidates?: EndpointDto[];
}

export class CancelDto {
  @ApiPropertyOptional() @IsOptional() @IsString() @MaxLength(500) reason?: string;
}

export class WaitQueryDto {
  @ApiProperty({ enum: SessionState, description: 'Answer as soon as the state is not this one.' })
  @IsEnum(SessionState, { message: 'state must be a session state' })
  state: SessionState;

  @ApiPropertyOptional({ minimum: 1, maximum: MAX_WAIT_SECONDS, default: DEFAULT_WAIT_SECONDS })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(MAX_WAIT_SECONDS)
  timeout?: number;
}
