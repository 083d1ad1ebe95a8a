/**
 * Writes schema/experiment.schema.json from the zod schemas (src/experiments/schema.ts):
 * `npm run schema` after changing the experiment format. A test checks that the committed file
 * is what this writes.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { experimentJsonSchema } from '../src/experiments/schema.js';

export const SCHEMA_FILE = join(resolve(dirname(fileURLToPath(import.meta.url)), '..'), 'schema', 'experiment.schema.json');

/** The file's text: the schema, two-space indented, with a final newline. */
export const schemaText = (): string => `${JSON.stringify(experimentJsonSchema(), null, 2)}\n`;

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  mkdirSync(dirname(SCHEMA_FILE), { recursive: true });
  writeFileSync(SCHEMA_FILE, schemaText());
  process.stdout.write(`wrote ${SCHEMA_FILE}\n`);
}
