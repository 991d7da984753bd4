import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { configJsonSchemaText } from '../../db/config/json-schema.ts';

describe('config.schema.json', () => {
  it('is committed and matches the zod model (run `npm run codegen` after changing the model)', () => {
    const committed = readFileSync(new URL('../../config.schema.json', import.meta.url), 'utf8');
    expect(committed).toBe(configJsonSchemaText());
  });

  it('describes the sections a Bifrost config.json has', () => {
    const schema = JSON.parse(configJsonSchemaText()) as { properties: Record<string, unknown> };
    expect(Object.keys(schema.properties)).toEqual(
      expect.arrayContaining([
        'providers',
        'governance',
        'client',
        'plugins',
        'config_store',
        'logs_store',
        'encryption_key',
      ]),
    );
  });
});
