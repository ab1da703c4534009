// Entry of one container run as a real child process by the 'process' runtime. Reads its settings
// from EMULATOR_TASK_CHILD (JSON: { crashOnStart, app } where app is a TaskAppConfig, or null for a
// container without a port), tells the parent over IPC when it runs ('started': its SIGTERM handler
// is in place) and when it listens ('ready'), and follows the container
// contract ECS relies on: SIGTERM -> stop accepting, finish in-flight requests, exit 0. The parent
// sends SIGKILL itself when the stop timeout passes.
import process from 'node:process';
import { setInterval, clearInterval, setTimeout } from 'node:timers';
import { createTaskApp } from './task-app.mjs';

// No child may outlive the emulator: when the IPC channel closes (the parent exited, or was killed
// with SIGKILL and the kernel closed its end), exit at once.
process.on('disconnect', () => process.exit(0));

const settings = JSON.parse(process.env.EMULATOR_TASK_CHILD ?? '{}');

if (settings.crashOnStart) {
  process.stderr.write('emulated crash on start\n');
  process.exit(1);
}

if (settings.job) {
  // A one-off command (a migration): runs for a while, then exits with its code. No SIGTERM handler,
  // so a stop ends it as the signal does (exit 143), as most one-off programs end.
  process.send?.({ type: 'started' });
  process.send?.({ type: 'ready' });
  setTimeout(() => process.exit(settings.job.exitCode), settings.job.runMs);
} else if (!settings.app) {
  // A container without a port: an idle process that stops at once on SIGTERM.
  const idle = setInterval(() => {}, 1 << 30);
  process.on('SIGTERM', () => {
    clearInterval(idle);
    process.exit(0);
  });
  process.send?.({ type: 'started' });
  process.send?.({ type: 'ready' });
} else {
  const app = createTaskApp(settings.app);
  process.on('SIGTERM', () => {
    app.close().then(() => process.exit(0));
  });
  process.send?.({ type: 'started' });
  app.listening.then(
    (listened) => {
      if (listened) process.send?.({ type: 'ready' });
    },
    (error) => {
      process.stderr.write(
        `listen ${settings.app.ip}:${settings.app.port}: ${error.code ?? error.message}\n`,
      );
      process.exit(1);
    },
  );
}
