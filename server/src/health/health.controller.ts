import { Controller, Get } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import { Public } from '../common/public.decorator';
import { HealthService } from './health.service';

@ApiTags('health')
@Public()
@Controller('health')
export class HealthController {
  constructor(private readonly health: HealthService) {}

  /** 200 `{ status: 'ok', database: 'up' }`, or 503 `database_unavailable`. */
  @Get()
  check(): Promise<{ status: 'ok'; database: 'up' }> {
    return this.health.check();
  }
}
