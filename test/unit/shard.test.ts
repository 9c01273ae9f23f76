// DistributedSampler's dealing: torch.utils.data.DistributedSampler(drop_last=False) pads the
// order with its own start to a multiple of the world size and gives rank r every worldSize-th
// index from r. The expected shares below follow that definition, written out.
import { describe, expect, it } from 'vitest';
import { shardLength, shardOrder } from '../../src/data/shard.js';

describe('shardOrder', () => {
  it('deals every worldSize-th item from the rank, padding with the start of the order', () => {
    const order = [4, 0, 3, 1, 2];
    expect(shardLength(5, 2)).toBe(3);
    expect(shardOrder(order, { rank: 0, worldSize: 2 })).toEqual([4, 3, 2]);
    expect(shardOrder(order, { rank: 1, worldSize: 2 })).toEqual([0, 1, 4]);
  });

  it('covers every item once when the world size divides the count', () => {
    const order = Array.from({ length: 12 }, (_, i) => (i * 5) % 12);
    const shares = [0, 1, 2].map((rank) => shardOrder(order, { rank, worldSize: 3 }));
    expect(shares.flat().sort((a, b) => a - b)).toEqual(Array.from({ length: 12 }, (_, i) => i));
  });

  it('pads a short order more than once around', () => {
    expect(shardOrder([7], { rank: 2, worldSize: 3 })).toEqual([7]);
    expect(shardOrder([1, 2], { rank: 3, worldSize: 4 })).toEqual([2]);
  });
});
