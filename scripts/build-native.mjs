#!/usr/bin/env node
/**
 * Install hook: builds the optional native kernels (native/, OpenBLAS sgemm + fused Adam on the
 * wasm heap) with node-gyp, then checks that they load. Never fails the install: on any problem it
 * prints a note and infobound runs on the portable wasm kernels.
 *
 *   node scripts/build-native.mjs          # what `npm install` / `npm ci` run
 *   INFOBOUND_NATIVE=0 npm ci              # skip the build
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const note = (msg) => console.log(`infobound: ${msg}`);
const fallback = 'infobound will use the portable wasm kernels (several times slower on matmul-heavy steps)';

function nodeGyp() {
  // npm passes its bundled node-gyp to lifecycle scripts; otherwise look next to npm
  if (process.env.npm_config_node_gyp && existsSync(process.env.npm_config_node_gyp)) return process.env.npm_config_node_gyp;
  const npmDir = process.env.npm_execpath ? dirname(dirname(process.env.npm_execpath)) : join(dirname(process.execPath), '../lib/node_modules/npm');
  const p = join(npmDir, 'node_modules/node-gyp/bin/node-gyp.js');
  return existsSync(p) ? p : null;
}

function main() {
  if (process.env.INFOBOUND_NATIVE === '0') return note('INFOBOUND_NATIVE=0: native kernels not built');
  if (process.platform !== 'linux') return note(`native kernels are built on Linux only (this is ${process.platform}); ${fallback}`);
  const gyp = nodeGyp();
  if (!gyp) return note(`node-gyp not found; ${fallback}`);
  const args = [gyp, 'rebuild', '--directory', join(root, 'native')];
  // Node from a distribution package keeps its headers under <prefix>/include/node: use them
  // instead of letting node-gyp download headers (no internet on some machines).
  const prefix = resolve(dirname(process.execPath), '..');
  if (!process.env.npm_config_nodedir && existsSync(join(prefix, 'include/node/node_api.h'))) args.push(`--nodedir=${prefix}`);
  const r = spawnSync(process.execPath, args, { cwd: root, encoding: 'utf8' });
  if (r.status !== 0) {
    const tail = `${r.stdout ?? ''}${r.stderr ?? ''}`.trim().split('\n').slice(-6).join('\n  ');
    return note(`could not build the native kernels (node-gyp needs python3, make and a C compiler):\n  ${tail}\n${fallback}`);
  }
  try {
    const require = createRequire(import.meta.url);
    const addon = require(join(root, 'native/build/Release/infobound_blas.node'));
    const i = addon.info();
    note(`native kernels built (${i.library}: ${i.config.replace(/ DYNAMIC_ARCH.*/, '').trim()}; the core type is chosen at run time)`);
  } catch (e) {
    note(
      `native kernels built but cannot load: ${String(e instanceof Error ? e.message : e).split('\n')[0]}\n  install OpenBLAS: apt-get install -y libopenblas-dev; ${fallback}`,
    );
  }
}

try {
  main();
} catch (e) {
  note(`native build skipped: ${e instanceof Error ? e.message : e}; ${fallback}`);
}
