// Per-test time limit of the `emulator` group (jest sets timeouts per run, not per project).
import { jest } from '@jest/globals';

jest.setTimeout(120_000);
