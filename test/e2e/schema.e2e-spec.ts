import 'reflect-metadata';
import { DataSource } from 'typeorm';
import { dataSourceOptions } from '../../src/database/data-source.js';
import { createTestDatabase, type TestDatabase } from '../support/test-database.js';

/** The migrations are the schema; the entities must describe the same tables and columns. */
describe('migrations and entities', () => {
  let db: TestDatabase;
  let dataSource: DataSource;
  beforeAll(async () => {
    db = await createTestDatabase(false);
    dataSource = new DataSource(dataSourceOptions(db.url, 2));
    await dataSource.initialize();
  });
  afterAll(async () => {
    await dataSource.destroy();
    await db.drop();
  });

  it('apply to an empty database and leave nothing pending', async () => {
    const applied = await dataSource.runMigrations();
    expect(applied.length).toBeGreaterThan(0);
    expect(await dataSource.showMigrations()).toBe(false);
  });

  it('define every column each entity maps, with the same type and nullability', async () => {
    const columns = await dataSource.query(
      `SELECT table_name, column_name, data_type, udt_name, is_nullable FROM information_schema.columns WHERE table_schema = 'public'`,
    ) as { table_name: string; column_name: string; data_type: string; udt_name: string; is_nullable: string }[];
    const typeOf = (c: { data_type: string; udt_name: string }) =>
      ({ 'timestamp with time zone': 'timestamptz', integer: 'integer', bigint: 'bigint', boolean: 'boolean', text: 'text', uuid: 'uuid', jsonb: 'jsonb' } as Record<string, string>)[c.data_type] ?? c.udt_name;
    const problems: string[] = [];
    for (const entity of dataSource.entityMetadatas) {
      const tableColumns = columns.filter((c) => c.table_name === entity.tableName);
      expect(tableColumns.length).toBeGreaterThan(0);
      for (const column of entity.columns) {
        const found = tableColumns.find((c) => c.column_name === column.databaseName);
        if (!found) {
          problems.push(`${entity.tableName}.${column.databaseName} is mapped but not in the migrations`);
          continue;
        }
        if (typeOf(found) !== String(column.type)) problems.push(`${entity.tableName}.${column.databaseName}: entity ${String(column.type)}, table ${typeOf(found)}`);
        if ((found.is_nullable === 'YES') !== column.isNullable) problems.push(`${entity.tableName}.${column.databaseName}: nullability differs`);
      }
      for (const c of tableColumns) {
        if (!entity.columns.some((column) => column.databaseName === c.column_name)) problems.push(`${entity.tableName}.${c.column_name} is in the table but not mapped`);
      }
    }
    expect(problems).toEqual([]);
  });
});
