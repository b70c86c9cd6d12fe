import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { RequestError, RequestErrorCode } from '../common/app-error';

const DATABASE_TIMEOUT_MS = 3000;

@Injectable()
export class HealthService {
  constructor(private readonly dataSource: DataSource) {}

  /** Runs `SELECT 1`; a failure or no answer within 3 s is `database_unavailable`. */
  async check(): Promise<{ status: 'ok'; database: 'up' }> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new RequestError(RequestErrorCode.DatabaseUnavailable)), DATABASE_TIMEOUT_MS);
    });
    try {
      await Promise.race([this.dataSource.query('SELECT 1'), timeout]);
    } catch {
      throw new RequestError(RequestErrorCode.DatabaseUnavailable);
    } finally {
      clearTimeout(timer);
    }
    return { status: 'ok', database: 'up' };
  }
}
