// Service events, newest first, in ECS's own wording (as seen in DescribeServices on AWS; see the
// ECS developer guide page "Amazon ECS service event messages").
import { randomUUID } from 'node:crypto';
import type { ServiceRecord } from './store.js';

/** DescribeServices returns the latest 100 events. */
const MAX_EVENTS = 100;

export function addEvent(service: ServiceRecord, message: string, now: number): void {
  service.events.unshift({
    id: randomUUID(),
    createdAt: now,
    message: `(service ${service.name}) ${message}`,
  });
  if (service.events.length > MAX_EVENTS) service.events.length = MAX_EVENTS;
}

export const taskList = (ids: string[]): string => ids.map((id) => `(task ${id})`).join(' ');
