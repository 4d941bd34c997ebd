import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { plainToInstance } from 'class-transformer';
import { IsInt, validateSync } from 'class-validator';
import { Optional } from './optional';

class Sample {
  @Optional() @IsInt() count?: number;
}

const errorsOf = (plain: object) => validateSync(plainToInstance(Sample, plain)).map((e) => e.property);

describe('Optional', () => {
  it('skips a field left out, and validates a null like any value', () => {
    expect(errorsOf({})).toEqual([]);
    expect(errorsOf({ count: 3 })).toEqual([]);
    expect(errorsOf({ count: null })).toEqual(['count']);
    expect(errorsOf({ count: 'x' })).toEqual(['count']);
  });

  it("is the only way a DTO of the API says optional (class-validator's IsOptional lets null through)", () => {
    const root = join(__dirname, '../..');
    const files = (readdirSync(root, { recursive: true }) as string[]).filter(
      (f) => f.endsWith('.ts') && !f.endsWith('.spec.ts'),
    );
    const using = files.filter((f) => /\bIsOptional\s*\(/.test(readFileSync(join(root, f), 'utf8')));
    expect(files.length).toBeGreaterThan(20);
    expect(using).toEqual([]);
  });
});
