import type { ObjectLiteral, Repository } from 'typeorm';
import type { ColumnMetadata } from 'typeorm/metadata/ColumnMetadata';

/**
 * Reads and inserts whole rows of one entity with plain SQL (`?` placeholders, the same text on SQLite and
 * MySQL), converting values with the TypeORM driver exactly as `find` and `insert` would (dates, simple-json,
 * column transformers). For the hot request path only: building a `find` query costs ten times the query.
 * The WHERE clauses are fixed strings written by the caller; values always go in as parameters.
 */
export class PlainRows<T extends ObjectLiteral> {
  private readonly visible: ColumnMetadata[];
  private readonly all: ColumnMetadata[];
  private readonly selectVisible: string;
  private readonly selectAll: string;
  private readonly insertSql: string;
  private readonly table: string;
  private readonly escape: (name: string) => string;

  constructor(private readonly repository: Repository<T>) {
    const { metadata } = repository;
    const escape = (name: string) => repository.manager.connection.driver.escape(name);
    this.escape = escape;
    this.all = metadata.columns;
    this.visible = metadata.columns.filter((column) => column.isSelect);
    this.selectVisible = this.visible.map((column) => escape(column.databaseName)).join(', ');
    this.selectAll = this.all.map((column) => escape(column.databaseName)).join(', ');
    this.insertSql =
      `INSERT INTO ${escape(metadata.tableName)} (${this.selectAll}) ` +
      `VALUES (${this.all.map(() => '?').join(', ')})`;
    this.table = escape(metadata.tableName);
  }

  /**
   * Rows matching `where` (SQL after WHERE, with `?` placeholders). Columns marked `select: false` are only
   * read with `withHidden`.
   */
  async find(where: string, parameters: unknown[], withHidden = false): Promise<T[]> {
    return (await this.findWith({}, where, parameters, withHidden)).map(({ entity }) => entity);
  }

  /**
   * Like `find`, and each row also answers the SQL expressions of `extra` (alias → expression, fixed strings
   * written by the caller, e.g. a scalar subquery), raw as the driver returns them.
   */
  async findWith<E extends string>(
    extra: Record<E, string>,
    where: string,
    parameters: unknown[],
    withHidden = false,
  ): Promise<{ entity: T; extra: Record<E, unknown> }[]> {
    const columns = withHidden ? this.all : this.visible;
    const extraSelect = Object.entries<string>(extra).map(([alias, sql]) => `, (${sql}) AS ${this.escape(alias)}`).join('');
    const rows: Record<string, unknown>[] = await this.repository.manager.query(
      `SELECT ${withHidden ? this.selectAll : this.selectVisible}${extraSelect} FROM ${this.table} WHERE ${where}`,
      parameters,
    );
    const driver = this.repository.manager.connection.driver;
    return rows.map((row) => {
      const entity = this.repository.metadata.create() as T;
      for (const column of columns) {
        (entity as Record<string, unknown>)[column.propertyName] = driver.prepareHydratedValue(row[column.databaseName], column);
      }
      const values = Object.fromEntries(Object.keys(extra).map((alias) => [alias, row[alias]])) as Record<E, unknown>;
      return { entity, extra: values };
    });
  }

  async findOne(where: string, parameters: unknown[], withHidden = false): Promise<T | null> {
    const rows = await this.find(where, parameters, withHidden);
    return rows[0] ?? null;
  }

  /**
   * Sets the given properties on the rows matching `where` (SQL after WHERE, with `?` placeholders) and
   * returns how many rows changed.
   */
  async update(changes: Partial<T>, where: string, parameters: unknown[]): Promise<number> {
    const { metadata } = this.repository;
    const driver = this.repository.manager.connection.driver;
    const assignments: string[] = [];
    const values: unknown[] = [];
    for (const [property, value] of Object.entries(changes)) {
      const column = metadata.findColumnWithPropertyName(property);
      if (!column) throw new Error(`PlainRows.update: ${metadata.name} has no column ${property}`);
      assignments.push(`${driver.escape(column.databaseName)} = ?`);
      values.push(driver.preparePersistentValue(value, column));
    }
    const runner = this.repository.manager.connection.createQueryRunner();
    try {
      const result = await runner.query(
        `UPDATE ${this.table} SET ${assignments.join(', ')} WHERE ${where}`,
        [...values, ...parameters],
        true,
      );
      return (result as { affected?: number }).affected ?? 0;
    } finally {
      await runner.release();
    }
  }

  /** Inserts one complete row (every column, hidden ones included). */
  async insert(entity: T): Promise<void> {
    const driver = this.repository.manager.connection.driver;
    const values = this.all.map((column) => driver.preparePersistentValue(column.getEntityValue(entity), column));
    await this.repository.manager.query(this.insertSql, values);
  }
}
