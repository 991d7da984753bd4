/** The published JSON Schema of the config file, generated from the same zod definition. */
import { z } from 'zod';
import { heimdallConfig } from './model.ts';

export function configJsonSchema(): Record<string, unknown> {
  const schema = z.toJSONSchema(heimdallConfig, { io: 'input', unrepresentable: 'any' }) as Record<
    string,
    unknown
  >;
  return {
    ...schema,
    $id: 'https://heimdall.dev/config.schema.json',
    title: 'Heimdall configuration (Bifrost config.json compatible)',
  };
}

export function configJsonSchemaText(): string {
  return `${JSON.stringify(configJsonSchema(), null, 2)}\n`;
}
