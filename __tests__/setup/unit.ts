// Per-test time limit of the `unit` group (jest sets timeouts per run, not per project).
import { jest } from '@jest/globals';

jest.setTimeout(20_000);
