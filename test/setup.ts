// Every test file runs on the backend named by INFOBOUND_TEST_BACKEND (default wasm, the fastest
// that installs everywhere); the backend is chosen once per test process, as in the CLI.
import { initBackend } from '../src/backend/backend.js';

await initBackend({ requested: process.env.INFOBOUND_TEST_BACKEND ?? 'wasm' });
