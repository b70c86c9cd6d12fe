import { Controller, Get } from '@nestjs/common';
import { ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { Public } from '../common/public.decorator';
import { HealthView } from './dto/health-view.dto';
import { HealthService } from './health.service';

@ApiTags('health')
@Public()
@Controller('health')
export class HealthController {
  constructor(private readonly health: HealthService) {}

  /** 200 `{ status, database: 'up', redis? }` (see docs/api.md "Health"), or 503 `database_unavailable`. */
  @Get()
  @ApiOkResponse({ type: HealthView })
  check(): Promise<HealthView> {
    return this.health.check();
  }
}
