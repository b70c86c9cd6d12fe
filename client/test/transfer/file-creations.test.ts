import { describe, expect, it } from 'vitest';
import { closeCreations, creationsOpen, trackCreation } from '../../src/transfer/file-creations';

describe('file creations in flight', () => {
  it('closeCreations() refuses new ones and waits for those in flight, failed ones too', async () => {
    const order: string[] = [];
    trackCreation(new Promise((resolve) => setTimeout(() => (order.push('created'), resolve(3)), 40)));
    trackCreation(new Promise((_, reject) => setTimeout(() => (order.push('failed'), reject(new Error('EACCES'))), 20)));
    expect(creationsOpen()).toBe(true);
    const closing = closeCreations().then(() => order.push('closed'));
    expect(creationsOpen()).toBe(false);
    await closing;
    expect(order).toEqual(['failed', 'created', 'closed']);
  });
});
