// Per-test time limit of the `e2e` group (jest sets timeouts per run, not per project).
import { jest } from '@jest/globals';

jest.setTimeout(180_000);
