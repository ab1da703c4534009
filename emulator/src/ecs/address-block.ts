// Each emulator hands its tasks addresses from its own 127.N.x.y block (ips.ts). Emulators side by
// side on one machine — test files in parallel worker processes, concurrent tests in one process, a
// demo beside a test run — must never share a block, or two tasks bind the same address and one
// crashes with EADDRINUSE. A random block per process is not enough (two processes drawing from 254
// blocks collide often), so an emulator claims its block for its life by listening on 127.N.0.1 at
// one fixed port: the operating system gives that to one listener at a time, across processes.
// Task addresses start at 127.N.1.1, so the claim never takes one of them.
import { randomInt } from 'node:crypto';
import { createServer, type Server } from 'node:net';

/** The port every claim listens on (any unprivileged port; only its address varies). */
const CLAIM_PORT = 45_660;

export interface AddressBlock {
  /** N of 127.N.x.y, 1..254. */
  readonly block: number;
  /** Gives the block back (when the emulator stops). */
  release(): Promise<void>;
}

// Where the next claim of this process starts looking: random across processes, and the block
// after the last one taken within one, so a block is not reused the moment it is released.
let nextStart = randomInt(1, 255);

export async function claimAddressBlock(): Promise<AddressBlock> {
  for (let i = 0; i < 254; i++) {
    const block = ((nextStart - 1 + i) % 254) + 1;
    const server = await listenOnClaimPort(block);
    if (!server) continue;
    nextStart = (block % 254) + 1;
    return {
      block,
      release: () => new Promise<void>((resolve) => server.close(() => resolve())),
    };
  }
  throw new Error('emulator: every 127.N.x.y address block (N 1..254) is taken by other emulators');
}

/** A listener on 127.N.0.1:CLAIM_PORT, or undefined when another one has it. */
export function listenOnClaimPort(block: number): Promise<Server | undefined> {
  const host = `127.${block}.0.1`;
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', (error: NodeJS.ErrnoException) => {
      if (error.code === 'EADDRINUSE') resolve(undefined);
      else reject(error);
    });
    server.listen({ port: CLAIM_PORT, host, exclusive: true }, () => {
      // The claim must not keep a process alive that has nothing else to do.
      server.unref();
      resolve(server);
    });
  });
}
