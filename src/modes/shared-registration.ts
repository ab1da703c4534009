// Several services given one task definition share one new revision: the first service's
// RegisterTaskDefinition registers it, every other one with the same body gets that revision.
// (Same family, other content is refused before any change: see checkOneBodyPerFamily.)
import type { ServiceDriver, TaskDefinitionRecord } from '../rollout/port.js';
import type { TargetFile } from './target.js';

export class SharedRegistration {
  private readonly registered = new Map<string, Promise<TaskDefinitionRecord>>();

  /** The driver, its registerTaskDefinition shared: one call per distinct body. */
  wrap(driver: ServiceDriver): ServiceDriver {
    const shared = Object.create(driver) as ServiceDriver;
    shared.registerTaskDefinition = (body) => {
      const key = canonicalJson(body);
      let record = this.registered.get(key);
      if (!record) {
        record = driver.registerTaskDefinition(body);
        // A failed registration is retried by the next caller (retrying() calls again).
        record.catch(() => this.registered.delete(key));
        this.registered.set(key, record);
      }
      return record;
    };
    return shared;
  }
}

/**
 * Files of one family with different content would be two revisions of one family in one step,
 * each service on another: almost surely a mistake, refused before anything changes.
 */
export function checkOneBodyPerFamily(files: readonly { service: string; file: TargetFile }[]): void {
  const byFamily = new Map<string, { service: string; path: string; key: string }>();
  for (const { service, file } of files) {
    const family = String(file.body['family'] ?? '');
    const key = canonicalJson(file.body);
    const first = byFamily.get(family);
    if (!first) {
      byFamily.set(family, { service, path: file.path, key });
    } else if (first.key !== key) {
      throw new Error(
        `task-definition: ${first.path} (service ${first.service}) and ${file.path} (service ${service}) are both family "${family}" ` +
          'but differ: one step registers one revision per family. Give them the same file, or different families.',
      );
    }
  }
}

/** JSON with object keys sorted, so two equal bodies give one key whatever their key order. */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) =>
    v !== null && typeof v === 'object' && !Array.isArray(v)
      ? Object.fromEntries(
          Object.entries(v as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)),
        )
      : v,
  );
}
