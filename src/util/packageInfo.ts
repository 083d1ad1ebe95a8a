/**
 * Where infobound's own files are: the package root is two levels above every module (src/<dir>/ in
 * a checkout, dist/<dir>/ in the installed package), so the shipped experiments, the classifier,
 * the native addon and package.json are found the same way from both.
 */
import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const PACKAGE_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');

/**
 * infobound's own version from its package.json ("unknown" if it cannot be read). Recorded in
 * run.json beside gitCommit, which names the user's checkout, not infobound's.
 */
export function packageVersion(): string {
  try {
    return String((JSON.parse(readFileSync(join(PACKAGE_ROOT, 'package.json'), 'utf8')) as { version?: string }).version ?? 'unknown');
  } catch {
    return 'unknown';
  }
}
