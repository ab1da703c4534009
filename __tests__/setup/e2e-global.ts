// Once per run of the `e2e` group (jest globalSetup): say which node runs dist/, and warn, loudly and
// as a GitHub annotation, when it is not the action's runtime (tools/node-runtime.ts decides).
// jest loads this file with node's own ESM loader, outside its module map (no `.js` -> `.ts`), so
// the tool is imported through tsx, as `npm run` scripts run the tools.
import { rmSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { tsImport } from 'tsx/esm/api';
import type * as NodeRuntimeModule from '../../tools/node-runtime.js';

export default async function announceDistNode(): Promise<void> {
  // The calls a previous run dumped are not this run's: the `records` group checks this run's only.
  rmSync(fileURLToPath(new URL('../../.tmp/e2e-calls/', import.meta.url)), { recursive: true, force: true });
  const { actionNodeMajor, nodeForDist } = (await tsImport(
    '../../tools/node-runtime.ts',
    import.meta.url,
  )) as typeof NodeRuntimeModule;
  const node = nodeForDist();
  process.stdout.write(
    `\ne2e: dist/ runs on Node ${node.version} (${node.path}); action.yml runs it on node${actionNodeMajor()}; ` +
      `the tests themselves run on ${process.version}.\n`,
  );
  if (node.warning)
    process.stdout.write(`::warning title=e2e tests dist/ on another node::${node.warning}\n`);
}
