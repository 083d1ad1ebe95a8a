/**
 * `infobound schema` prints the experiment format as a JSON Schema (draft 2020-12; the same as
 * schema/experiment.schema.json). `infobound validate <file…>` checks experiment files without
 * running them: every schema error, one line each naming the field; then, when the schema is
 * satisfied, the task's own checks (fields against each other, sizes against memory) as a run
 * would make them. Exit 0 and "ok" when every file is fine, 2 otherwise.
 */
import { ConfigError } from '../config/validate.js';
import { prepareConfig, readExperimentFile } from '../experiments/runExperiment.js';
import { experimentErrors, experimentJsonSchema } from '../experiments/schema.js';

export const VALIDATE_USAGE = 'usage: infobound validate <experiment.json> [more.json …]';

export function cmdSchema(): number {
  process.stdout.write(`${JSON.stringify(experimentJsonSchema(), null, 2)}\n`);
  return 0;
}

/** The problems of one experiment file, one line each (empty: the file is fine). */
export function validateExperimentFile(file: string): string[] {
  let raw: Record<string, unknown>;
  try {
    raw = readExperimentFile(file);
  } catch (e) {
    if (e instanceof ConfigError) return [e.message];
    throw e;
  }
  const errors = experimentErrors(raw);
  if (errors.length) return errors;
  try {
    prepareConfig(raw, {});
  } catch (e) {
    if (e instanceof ConfigError) return [e.message];
    throw e;
  }
  return [];
}

/** `resolve` finds a file given as a shipped experiment's name (as `infobound run` does). */
export function cmdValidate(args: string[], resolve: (arg: string) => string = (a) => a): number {
  if (args.length === 0 || args.some((a) => a.startsWith('-'))) {
    if (args.includes('--help') || args.includes('-h')) {
      process.stdout.write(
        `${VALIDATE_USAGE}\n  checks each file against the experiment schema (infobound schema prints it) and the task's own checks, without running it\n`,
      );
      return 0;
    }
    throw new ConfigError(VALIDATE_USAGE);
  }
  let bad = 0;
  for (const arg of args) {
    let file: string;
    let errors: string[];
    try {
      file = resolve(arg);
      errors = validateExperimentFile(file);
    } catch (e) {
      if (!(e instanceof ConfigError)) throw e;
      [file, errors] = [arg, [e.message]];
    }
    if (errors.length === 0) {
      process.stdout.write(`${file}: ok\n`);
      continue;
    }
    bad++;
    // messages from reading the file name it already
    for (const line of errors) process.stderr.write(`${line.includes(file) ? line : `${file}: ${line}`}\n`);
  }
  return bad ? 2 : 0;
}
