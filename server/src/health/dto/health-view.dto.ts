import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';

/** `/health` when the database answers (it answers 503 `database_unavailable` when it does not). */
export class HealthView {
  @ApiProperty({ enum: ['ok', 'degraded'], description: '`degraded`: Redis is configured and does not answer.' })
  status: 'ok' | 'degraded';

  @ApiProperty({ enum: ['up'] })
  database: 'up';

  @ApiPropertyOptional({ enum: ['up', 'down'], description: 'Only when SFT_REDIS_URL is set: whether Redis answers PING.' })
  redis?: 'up' | 'down';
}
