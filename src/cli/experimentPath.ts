/** Where the CLI finds experiments: a path as given, else a shipped experiment by name. */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { ConfigError } from '../config/validate.js';
import { PACKAGE_ROOT } from '../util/packageInfo.js';

/** `arg` if it exists, else `experiments/<arg>.json` of the package; an error naming both otherwise. */
export function experimentPath(arg: string): string {
  if (existsSync(arg)) return arg;
  const shipped = join(PACKAGE_ROOT, 'experiments', arg.endsWith('.json') ? arg : `${arg}.json`);
  if (existsSync(shipped)) return shipped;
  throw new ConfigError(`experiment file not found: ${arg} (also looked for ${shipped}); see \`infobound list\``);
}
