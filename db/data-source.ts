/**
 * The TypeORM CLI entry, and nothing else: the server never imports this file.
 * `npm run build && SFT_DB_URL=mysql://root@127.0.0.1:3306/sft npx typeorm migration:show -d dist/db/data-source.js`
 * The DataSource is made when the CLI loads this file, from SFT_DB_URL (default `sqlite:.sft-data/sft.sqlite`),
 * with the options the server uses (server/src/database/data-source-options.ts).
 */
import { DataSource } from 'typeorm';
import { parseDatabaseUrl } from '../server/src/config/app-config';
import { dataSourceOptions } from '../server/src/database/data-source-options';

export default new DataSource(dataSourceOptions(parseDatabaseUrl(process.env.SFT_DB_URL ?? 'sqlite:.sft-data/sft.sqlite')));
