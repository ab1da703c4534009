// The bundle entry for the `main` step: no logic here, so `run()` stays importable by tests.
import { run } from '../main.js';

await run();
