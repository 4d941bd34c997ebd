import { createTestDatabase, type TestDatabase } from '@xenplane/testing';
import { prepared, statementName } from './prepared';

describe('prepared statements', () => {
  it('names only marked statements, by their text', () => {
    expect(statementName({ sql: 'SELECT 1' })).toBe('');
    const a = statementName({ sql: '/* prepared:begin_operation */ SELECT 1' });
    expect(a).toMatch(/^begin_operation_[\w-]{12}$/);
    expect(statementName({ sql: '/* prepared:begin_operation */ SELECT 1' })).toBe(a);
    // a changed text is another statement, never a clash with the old one's name
    expect(statementName({ sql: '/* prepared:begin_operation */ SELECT 2' })).not.toBe(a);
    expect(() => prepared('x */ DROP TABLE vms; /*')).toThrow(/lower case/);
  });

  describe('on a real connection', () => {
    let t: TestDatabase;
    beforeAll(async () => {
      t = await createTestDatabase('prepared');
    });
    afterAll(() => t.drop());

    it('prepares a marked statement once per connection and runs it again from there', async () => {
      // one transaction: one connection
      const seen = await t.db.$transaction(async (tx) => {
        const answers: number[] = [];
        for (const n of [1, 2, 3]) {
          const rows = await tx.$queryRaw<{ n: number }[]>`${prepared('probe')} SELECT ${n}::int AS n`;
          answers.push(rows[0]!.n);
        }
        await tx.$queryRaw`SELECT ${1}::int AS unmarked`;
        const statements = await tx.$queryRaw<{ name: string }[]>`SELECT name FROM pg_prepared_statements`;
        return { answers, names: statements.map((s) => s.name) };
      });
      expect(seen.answers).toEqual([1, 2, 3]);
      expect(seen.names.filter((n) => n.startsWith('probe_'))).toHaveLength(1);
      expect(seen.names.every((n) => n.startsWith('probe_'))).toBe(true);
    });
  });
});
