#!/usr/bin/env node
// The installed command: runs the compiled CLI (dist/, built by `npm install` through "prepare").
process.env.INFOBOUND_CLI = '1';
await import('../dist/cli/main.js');
