/**
 * A warm-up whose set-up fails part-way (here the gateway cannot be built) closes what it had
 * already opened, the loopback upstream's server among them, before the failure reaches
 * warmUpBeforeListening, which logs it and lets start-up go on (test/api/warm-up.test.ts).
 */
import { describe, expect, it, vi } from 'vitest';
import { warmUp } from '../../api/warm-up.ts';

vi.mock('../../gateway/create-gateway.ts', () => ({
  createGateway: () => Promise.reject(new Error('no snapshot')),
}));

function openServers(): number {
  return process.getActiveResourcesInfo().filter((kind) => kind === 'TCPServerWrap').length;
}

describe('start-up warm-up that cannot be set up', () => {
  it('fails with the cause and leaves no server listening', async () => {
    const before = openServers();
    await expect(warmUp({ requests: 10 })).rejects.toThrow('no snapshot');
    // Closed handles leave the list on a later turn of the event loop.
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(openServers()).toBe(before);
  });
});
