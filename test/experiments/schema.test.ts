/**
 * The experiment format as one zod schema (src/experiments/schema.ts): the JSON Schema it gives is
 * the committed schema/experiment.schema.json; every shipped experiment points to it and passes it,
 * judged independently by ajv (JSON Schema draft 2020-12); each broken file of the shared table is
 * refused by ajv and by the run-time check, whose one line names the field.
 */
import Ajv2020Module from 'ajv/dist/2020.js';
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { validateExperimentFile } from '../../src/cli/validate.js';
import { prepareConfig, readExperimentFile } from '../../src/experiments/runExperiment.js';
import { experimentErrors, SCHEMA_REF } from '../../src/experiments/schema.js';
import { schemaText } from '../../scripts/write-schema.js';
import { BROKEN_FILES, tinyMi } from '../fixtures/brokenExperiments.js';

// ajv is CommonJS: under NodeNext its class is the module's `default`
const Ajv2020 = Ajv2020Module.default;
const committed = readFileSync('schema/experiment.schema.json', 'utf8');
const ajvValidate = new Ajv2020({ allErrors: true }).compile(JSON.parse(committed));
const shipped = readdirSync('experiments')
  .filter((f) => f.endsWith('.json'))
  .sort();

describe('schema/experiment.schema.json', () => {
  it('is what `npm run schema` writes from the zod schemas (run it after changing the format)', () => {
    expect(committed).toBe(schemaText());
  });
  it('is JSON Schema draft 2020-12 and describes mi.estimator with its kinds', () => {
    const s = JSON.parse(committed);
    expect(s.$schema).toBe('https://json-schema.org/draft/2020-12/schema');
    const kinds = s.$defs.estimator.anyOf[0].enum;
    expect(kinds).toEqual(expect.arrayContaining(['mine', 'eta-mine', 'eta-mine-convex', 'remine', 'infonce', 'smile']));
    expect(s.$defs['estimator.window'].description).toMatch(/Default: 100\.$/);
  });
});

describe.each(shipped)('the shipped experiment %s', (f) => {
  const text = readFileSync(join('experiments', f), 'utf8');
  it(`starts with "$schema": "${SCHEMA_REF}"`, () => {
    expect(Object.keys(JSON.parse(text))[0]).toBe('$schema');
    expect(JSON.parse(text).$schema).toBe(SCHEMA_REF);
  });
  it('passes the JSON Schema (ajv) and the run-time check, which ignores $schema', () => {
    expect(ajvValidate(JSON.parse(text)), JSON.stringify(ajvValidate.errors?.slice(0, 3))).toBe(true);
    expect(experimentErrors(readExperimentFile(join('experiments', f)))).toEqual([]);
    expect(() => prepareConfig(JSON.parse(text), {})).not.toThrow();
  });
});

describe('broken files: refused by the JSON Schema and by the run-time check, one line naming the field', () => {
  const dir = mkdtempSync(join(tmpdir(), 'infobound-schema-'));
  it.each(BROKEN_FILES.map((b) => [b.what, b] as const))('%s', (_what, b) => {
    const file = join(dir, `${b.what.replace(/\W+/g, '-')}.json`);
    writeFileSync(file, b.text);
    if (b.json) expect(ajvValidate(JSON.parse(b.text))).toBe(Boolean(b.runTimeOnly));
    else expect(() => JSON.parse(b.text)).toThrow(SyntaxError);
    const lines = validateExperimentFile(file);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(b.line);
  });
  it('every problem of a file is a line of its own', () => {
    expect(experimentErrors({ ...tinyMi, batchSize: 1, critic: { kind: 'concat', hidden: [0] }, stpes: 1 })).toEqual([
      'batchSize must be ≥ 2, got 1',
      'critic.hidden[0] must be ≥ 1, got 0',
      'stpes: unknown key; expected one of $schema, name, task, description, seed, divergenceLimit, steps, logEvery, batchSize, data, vary, estimators, workers, baselines, critic, optimizer, evaluation, reference, figures',
    ]);
  });
  it('a key that moved says where to (ib: beta → mi.beta)', () => {
    expect(experimentErrors({ task: 'ib', beta: 0.01 })).toEqual(['beta: moved to mi.beta (the weight of I(X; Z), as in every task)']);
  });
});
