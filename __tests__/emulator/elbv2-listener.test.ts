// The listener's local proxy: real HTTP through it to target apps on their own 127.0.0.x
// addresses, routed by target health as an ALB routes.
import { describe, it, expect, beforeEach, afterEach } from '@jest/globals';
import { DeregisterTargetsCommand, RegisterTargetsCommand } from '@aws-sdk/client-elastic-load-balancing-v2';
import { get, startHarness, setupGroup, startTarget, waitFor } from './elbv2-harness.js';
import type { FakeTarget, GroupSetup, Harness } from './elbv2-harness.js';

const SCALE = 0.05;

describe('ELBv2 listener proxy', () => {
  let h: Harness;
  let targets: FakeTarget[];

  beforeEach(async () => {
    h = await startHarness(SCALE);
    targets = [];
  });
  afterEach(async () => {
    await h.stop();
    await Promise.all(targets.map((t) => t.close()));
  });

  /** A group behind a listener with these targets registered; waits until each is in `until` state. */
  const fleet = async (
    setup: GroupSetup,
    specs: { ip: string; mode?: FakeTarget['mode'] }[],
    until: 'healthy' | 'unhealthy' | 'none' = 'healthy',
  ): Promise<{ url: string; targetGroupArn: string; fleet: FakeTarget[] }> => {
    const group = await setupGroup(h, setup);
    const started = await Promise.all(specs.map((s) => startTarget(s.ip, s.mode)));
    targets.push(...started);
    await h.client.send(
      new RegisterTargetsCommand({
        TargetGroupArn: group.targetGroupArn,
        Targets: started.map((t) => ({ Id: t.ip, Port: t.port })),
      }),
    );
    if (until !== 'none') {
      await waitFor(`targets ${until}`, () =>
        started.every(
          (t) => h.elbv2.targets.health(group.targetGroupArn, { id: t.ip, port: t.port }).state === until,
        )
          ? true
          : undefined,
      );
    }
    return { url: group.url ?? '', targetGroupArn: group.targetGroupArn, fleet: started };
  };

  const bodies = async (url: string, n: number): Promise<string[]> => {
    const out: string[] = [];
    for (let i = 0; i < n; i++) {
      const { status, body } = await get(url, `/r${i}`);
      expect(status).toBe(200);
      out.push(body);
    }
    return out;
  };

  it('spreads requests round robin over the healthy targets', async () => {
    const { url } = await fleet({ name: 'rr' }, [
      { ip: '127.0.0.31' },
      { ip: '127.0.0.32' },
      { ip: '127.0.0.33' },
    ]);
    const served = await bodies(url, 9);
    // Every third request goes to the same target, and each target gets three.
    expect(served.slice(3)).toEqual([...served.slice(0, 3), ...served.slice(0, 3)]);
    expect(new Set(served.slice(0, 3))).toEqual(new Set(['127.0.0.31', '127.0.0.32', '127.0.0.33']));
  });

  it('forwards method, path, body and X-Forwarded-* headers, and the target’s answer', async () => {
    const {
      url,
      fleet: [t],
    } = await fleet({ name: 'fwd' }, [{ ip: '127.0.0.34' }]);
    const response = await fetch(new URL('/echo/path?x=1', url), {
      method: 'POST',
      body: 'hello',
      headers: { 'content-type': 'text/plain', 'x-custom': 'kept' },
      signal: AbortSignal.timeout(5000),
    });
    expect(response.status).toBe(201);
    expect(response.headers.get('x-target')).toBe('127.0.0.34');
    const echo = (await response.json()) as {
      method: string;
      url: string;
      body: string;
      headers: Record<string, string>;
    };
    expect(echo).toMatchObject({ method: 'POST', url: '/echo/path?x=1', body: 'hello' });
    expect(echo.headers).toMatchObject({
      'x-custom': 'kept',
      'x-forwarded-for': '127.0.0.1',
      'x-forwarded-proto': 'http',
      'x-forwarded-port': '80',
    });
    expect(t?.served).toEqual(['/echo/path?x=1']);
    const fixed = await get(url, '/status/418');
    expect(fixed.status).toBe(418);
  });

  it('sends nothing new to a draining target while its in-flight request completes', async () => {
    const {
      url,
      targetGroupArn,
      fleet: pair,
    } = await fleet({ name: 'drain', deregistrationDelaySeconds: 120 }, [
      { ip: '127.0.0.35' },
      { ip: '127.0.0.36' },
    ]);
    for (const t of pair) t.hold = true;
    const inFlight = get(url, '/slow');
    await Promise.race(pair.map((t) => t.held()));
    const draining = pair.find((t) => t.served.length === 1);
    const other = pair.find((t) => t !== draining);
    if (!draining || !other) throw new Error('expected exactly one target to hold the request');
    other.hold = false;

    await h.client.send(
      new DeregisterTargetsCommand({
        TargetGroupArn: targetGroupArn,
        Targets: [{ Id: draining.ip, Port: draining.port }],
      }),
    );
    expect(h.elbv2.targets.health(targetGroupArn, { id: draining.ip, port: draining.port }).state).toBe(
      'draining',
    );

    expect(await bodies(url, 6)).toEqual(Array(6).fill(other.ip));
    expect(draining.served).toEqual(['/slow']);

    draining.release();
    expect(await inFlight).toEqual({ status: 200, body: draining.ip });
  });

  it('sends no request to an unhealthy or initial target while another is healthy', async () => {
    const setup: GroupSetup = { name: 'mixed', healthCheck: { unhealthy: 10 } };
    const { url, targetGroupArn } = await fleet(setup, [{ ip: '127.0.0.37' }]);
    // One that fails its checks (unhealthy only after 10 of them: initial meanwhile), one that times out.
    const bad = await Promise.all([startTarget('127.0.0.38', 'fail'), startTarget('127.0.0.39', 'hang')]);
    targets.push(...bad);
    await h.client.send(
      new RegisterTargetsCommand({
        TargetGroupArn: targetGroupArn,
        Targets: bad.map((t) => ({ Id: t.ip, Port: t.port })),
      }),
    );
    await waitFor('first checks', () => (bad.every((t) => t.healthChecks > 0) ? true : undefined));
    expect(bad.map((t) => h.elbv2.targets.health(targetGroupArn, { id: t.ip, port: t.port }).state)).toEqual([
      'initial',
      'initial',
    ]);
    expect(await bodies(url, 6)).toEqual(Array(6).fill('127.0.0.37'));
  });

  it('fails open: with no healthy target, requests go to every registered target', async () => {
    const { url } = await fleet(
      { name: 'open' },
      [
        { ip: '127.0.0.40', mode: 'fail' },
        { ip: '127.0.0.41', mode: 'fail' },
      ],
      'unhealthy',
    );
    const served = await bodies(url, 4);
    expect(new Set(served)).toEqual(new Set(['127.0.0.40', '127.0.0.41']));
  });

  it('answers 502 when the target refuses the connection, 503 when every target is draining', async () => {
    const {
      url,
      targetGroupArn,
      fleet: [t],
    } = await fleet({ name: 'errors' }, [{ ip: '127.0.0.42' }]);
    if (!t) throw new Error('no target');
    await t.close();
    // Still healthy until its checks fail twice: the proxy sends to it and gets refused.
    const refused = await get(url);
    expect(refused.status).toBe(502);
    expect(refused.body).toContain('502 Bad Gateway');
    await h.client.send(
      new DeregisterTargetsCommand({ TargetGroupArn: targetGroupArn, Targets: [{ Id: t.ip, Port: t.port }] }),
    );
    const none = await get(url);
    expect(none.status).toBe(503);
  });

  it('stop() closes the listener', async () => {
    const { url } = await fleet({ name: 'stop' }, [{ ip: '127.0.0.43' }], 'none');
    await h.elbv2.stop();
    await expect(fetch(url, { signal: AbortSignal.timeout(5000) })).rejects.toThrow();
  });
});
