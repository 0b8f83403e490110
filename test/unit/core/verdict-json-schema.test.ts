import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { VerdictSchema } from '../../../core/verdict/verdict';

const file = join(__dirname, '../../../docs/schemas/verdict-v1.schema.json');

function generated(): string {
  const schema = z.toJSONSchema(VerdictSchema, {
    target: 'draft-2020-12',
    io: 'output',
    unrepresentable: 'any',
  });
  return `${JSON.stringify({ ...schema, title: 'Winnow verdict (winnow.verdict/v1)' }, null, 2)}\n`;
}

describe('published verdict JSON Schema', () => {
  it('matches the zod schema (run with UPDATE_SCHEMAS=1 to regenerate)', () => {
    if (process.env.UPDATE_SCHEMAS === '1') writeFileSync(file, generated());
    expect(readFileSync(file, 'utf8')).toBe(generated());
  });
});
