/** The server module, loaded on demand: it pulls in NestJS and TypeORM, which the other commands do not need. */
export function loadServer(): Promise<typeof import('../../../server/src/main')> {
  return import('../../../server/src/main');
}
