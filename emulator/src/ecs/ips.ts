// A distinct loopback IPv4 per task, playing the part of the awsvpc ENI's private address. All of
// 127/8 is loopback on Linux; 127.0.0.x is left to the emulator's server and listeners, so task
// addresses start at 127.0.1.1 and skip .0 and .255 in the last octet (network/broadcast lookalikes).
export interface IpAllocator {
  take(): string;
  release(ip: string): void;
}

/**
 * `secondOctet` picks where the addresses start (127.<secondOctet>.1.1); 0, the default, is
 * 127.0.1.1. Emulators running side by side on one machine need different ones.
 */
export function createIpAllocator(secondOctet = 0): IpAllocator {
  const inUse = new Set<string>();
  // 127.0.1.1 as a counter over the low 24 bits; wraps before 127.255.255.x.
  const first = ((secondOctet & 255) << 16) | (1 << 8) | 1;
  const last = (255 << 16) | (255 << 8) | 254;
  let next = first;
  const format = (n: number): string => `127.${(n >> 16) & 255}.${(n >> 8) & 255}.${n & 255}`;
  return {
    take() {
      for (let tries = 0; tries <= last; tries++) {
        const n = next;
        next = next >= last ? first : next + 1;
        const lastOctet = n & 255;
        if (lastOctet === 0 || lastOctet === 255) continue;
        const ip = format(n);
        if (!inUse.has(ip)) {
          inUse.add(ip);
          return ip;
        }
      }
      throw new Error('no free loopback address for a task');
    },
    release(ip) {
      inUse.delete(ip);
    },
  };
}
