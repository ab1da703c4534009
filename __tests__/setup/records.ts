// Per-test time limit of the `records` group: validating every call of a whole e2e run takes a while.
import { jest } from '@jest/globals';

jest.setTimeout(300_000);
