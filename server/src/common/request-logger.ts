import type { NextFunction, Request, Response } from 'express';
import type { AuthUser } from './authenticated-request';

/**
 * Express middleware: one JSON line per request on stdout — method, path (no query string),
 * status, duration and user. Never bodies, headers, tokens or keys.
 */
export function requestLogger(write: (line: string) => void = (line) => process.stdout.write(line)) {
  return (request: Request, response: Response, next: NextFunction): void => {
    const started = process.hrtime.bigint();
    response.on('finish', () => {
      const user = (request as Request & { user?: AuthUser }).user;
      const entry = {
        time: new Date().toISOString(),
        method: request.method,
        path: request.originalUrl.split('?')[0],
        status: response.statusCode,
        ms: Number((process.hrtime.bigint() - started) / 1000n) / 1000,
        user: user?.username ?? null,
      };
      write(`${JSON.stringify(entry)}\n`);
    });
    next();
  };
}
