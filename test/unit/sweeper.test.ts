import { afterEach, describe, expect, it, vi } from 'vitest';
import { silentLogger } from '../../src/logging.ts';
import { startSweeper } from '../../src/sweeper.ts';

describe('startSweeper', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('never runs two sweeps at once, but a sweep stuck past its bound no longer blocks the next', async () => {
    vi.useFakeTimers();
    let started = 0;
    const hung = new Promise<number>(() => undefined);
    const sweeper = startSweeper('test', () => {
      started += 1;
      return started === 1 ? hung : Promise.resolve(0);
    }, silentLogger(), 1000, 5000);
    expect(started).toBe(1);
    // Still running: ticks inside the bound start nothing.
    await vi.advanceTimersByTimeAsync(4000);
    expect(started).toBe(1);
    // Past the bound: the next tick sweeps again, and later ones keep going.
    await vi.advanceTimersByTimeAsync(1000);
    expect(started).toBe(2);
    await vi.advanceTimersByTimeAsync(3000);
    expect(started).toBe(5);
    sweeper.stop();
  });

  it('retries a failing sweep at the next tick', async () => {
    vi.useFakeTimers();
    let calls = 0;
    const sweeper = startSweeper('test', async () => {
      calls += 1;
      if (calls === 1) throw new Error('Neo4j unreachable');
      return 0;
    }, silentLogger(), 1000);
    await vi.advanceTimersByTimeAsync(1000);
    expect(calls).toBe(2);
    sweeper.stop();
  });
});
