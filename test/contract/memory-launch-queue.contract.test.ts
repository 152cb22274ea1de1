import { VirtualClock } from '../../core/clock.js';
import { MemoryLaunchQueue } from '../../core/local/memory-launch-queue.js';
import { describeLaunchQueueContract } from './launch-queue.contract.js';

describeLaunchQueueContract('MemoryLaunchQueue', async (settings) => {
  const clock = new VirtualClock();
  return {
    queue: new MemoryLaunchQueue(clock, settings),
    async advance(ms) {
      clock.advance(ms);
    },
    now: () => clock.now(),
    async cleanup() {},
  };
});
