/** Where the CLI finds experiments: a path as given, else a shipped experiment by name. */
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ConfigError } from '../config/validate.js';

/** The installed package's root (src/cli/ or dist/cli/ → two levels up). */
export const PACKAGE_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');

/** `arg` if it exists, else `experiments/<arg>.json` of the package; an error naming both otherwise. */
export function experimentPath(arg: string): string {
  if (existsSync(arg)) return arg;
  const shipped = join(PACKAGE_ROOT, 'experiments', arg.endsWith('.json') ? arg : `${arg}.json`);
  if (existsSync(shipped)) return shipped;
  throw new ConfigError(`experiment file not found: ${arg} (also looked for ${shipped}); see \`infobound list\``);
}
