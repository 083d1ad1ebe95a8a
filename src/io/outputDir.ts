/**
 * Checks, before a run writes anything, that its output directory can be used: an existing
 * directory or one that can be created under an existing directory, writable, on a real file
 * system. Virtual file systems are refused (on /proc, Node's recursive mkdir loops forever; /sys
 * and the cgroup trees take no files). The probe runs in a child process with a time limit, so a
 * path that hangs (a dead network mount, a kernel file system) is an error after `timeoutMs`, not a
 * silent hang of the run.
 */
import { spawnSync } from 'node:child_process';
import { resolve } from 'node:path';
import { ConfigError } from '../config/validate.js';

/** statfs f_type of Linux's virtual file systems (linux/magic.h). */
const VIRTUAL_FS: Record<number, string> = {
  0x9fa0: 'proc',
  0x62656572: 'sysfs',
  0x1cd1: 'devpts',
  0x27e0eb: 'cgroup',
  0x63677270: 'cgroup2',
  0x64626720: 'debugfs',
  0x74726163: 'tracefs',
  0x73636673: 'securityfs',
  0xcafe4a11: 'bpf',
  0x6165676c: 'pstore',
  0x62656570: 'configfs',
  0x65735543: 'fusectl',
  0xde5e81e4: 'efivarfs',
  0x42494e4d: 'binfmt_misc',
  0x19800202: 'mqueue',
  0x6e736673: 'nsfs',
  0xf97cff8c: 'selinuxfs',
};

/**
 * Runs in the child: finds the nearest existing ancestor of the target, and reports what is wrong
 * with it, or creates and removes a probe directory there (a real write: access() says yes to root
 * on a read-only mount's directories in some setups). Prints one JSON line.
 */
const PROBE = `
const fs = require('node:fs'), path = require('node:path');
const say = (o) => { process.stdout.write(JSON.stringify(o)); process.exit(0); };
let p = process.argv[1];
for (;;) {
  let st;
  try { st = fs.statSync(p); } catch (e) {
    if ((e.code === 'ENOENT' || e.code === 'ENOTDIR') && path.dirname(p) !== p) { p = path.dirname(p); continue; }
    say({ problem: 'stat', at: p, code: e.code });
  }
  if (!st.isDirectory()) say({ problem: 'notdir', at: p });
  break;
}
let type = null;
try { type = fs.statfsSync(p).type; } catch (e) {}
if (type !== null && VIRTUAL[type]) say({ problem: 'virtual', at: p, fs: VIRTUAL[type] });
try {
  const probe = fs.mkdtempSync(path.join(p, '.infobound-probe-'));
  fs.rmdirSync(probe);
} catch (e) { say({ problem: 'write', at: p, code: e.code }); }
say({ ok: true, at: p });
`;

type ProbeResult =
  | { ok: true; at: string }
  | { problem: 'stat' | 'write'; at: string; code: string }
  | { problem: 'notdir'; at: string }
  | { problem: 'virtual'; at: string; fs: string };

/** Throws a ConfigError naming `flag` and `dir` when `dir` cannot hold run outputs. */
export function checkOutputDir(dir: string, flag: string, timeoutMs = 10_000): void {
  const target = resolve(dir);
  const child = spawnSync(process.execPath, ['-e', `const VIRTUAL = ${JSON.stringify(VIRTUAL_FS)};${PROBE}`, target], {
    encoding: 'utf8',
    timeout: timeoutMs,
    killSignal: 'SIGKILL',
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const name = `${flag} ${dir}`;
  if (child.error && (child.error as NodeJS.ErrnoException).code === 'ETIMEDOUT') {
    throw new ConfigError(`${name}: the file system did not answer within ${timeoutMs / 1000} s (a hung mount?); choose a directory on a local disk`);
  }
  let r: ProbeResult;
  try {
    r = JSON.parse(child.stdout) as ProbeResult;
  } catch {
    // the probe itself could not run (no node?): the run's own mkdir will report what is wrong
    return;
  }
  if ('ok' in r) return;
  switch (r.problem) {
    case 'notdir':
      throw new ConfigError(`${name}: ${r.at === target ? 'is a file' : `${r.at} is a file`}; expected a directory (existing, or one that can be created)`);
    case 'virtual':
      throw new ConfigError(`${name}: ${r.at} is on a virtual file system (${r.fs}), not a place for files; choose a directory on a disk`);
    case 'write':
      throw new ConfigError(
        `${name}: cannot write in ${r.at} (${r.code === 'EROFS' ? 'read-only file system' : r.code === 'EACCES' || r.code === 'EPERM' ? 'permission denied' : r.code}); expected a writable directory`,
      );
    case 'stat':
      throw new ConfigError(`${name}: cannot look at ${r.at} (${r.code}); expected a directory (existing, or one that can be created)`);
  }
}
