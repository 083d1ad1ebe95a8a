/**
 * `infobound report <run-or-sweep-or-outputs-dir> [--open]`: writes index.html (see src/report/build.ts)
 * and prints where it is; --open hands it to the system's browser opener.
 */
import { spawn } from 'node:child_process';
import { pathToFileURL } from 'node:url';
import { buildReport } from '../report/build.js';

export function cmdReport(dir: string, open = false): number {
  const r = buildReport(dir);
  process.stdout.write(`report (${r.kind}): ${r.page}\n  ${pathToFileURL(r.page).href}\n`);
  if (open) openInBrowser(r.page);
  return 0;
}

function openInBrowser(file: string): void {
  const [cmd, args] =
    process.platform === 'darwin' ? ['open', [file]] : process.platform === 'win32' ? ['cmd', ['/c', 'start', '', file]] : ['xdg-open', [file]];
  const child = spawn(cmd, args, { detached: true, stdio: 'ignore' });
  child.on('error', (e) => process.stderr.write(`could not open a browser (${cmd}: ${e.message}); open the file above by hand\n`));
  child.unref();
}
