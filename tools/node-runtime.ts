// Which node runs dist/ in the end-to-end tests (placeholder until the packaged Node 24 is wired in).
export interface ActionNode {
  path: string;
  version: string;
  warning?: string;
}

export function actionNode(): ActionNode {
  return { path: process.execPath, version: process.version };
}
