// One rank's share of an epoch's order, as torch.utils.data.DistributedSampler deals it: the order
// padded to a multiple of the world size by repeating its start, then every worldSize-th index
// from position `rank`. Every rank gets as many items, so all run the same number of steps.

/** A rank of a data-parallel run: which share of each epoch it reads. */
export interface Shard {
  rank: number;
  worldSize: number;
}

/** Items per rank for `n` items. */
export function shardLength(n: number, worldSize: number): number {
  return Math.ceil(n / worldSize);
}

/** `rank`'s indices out of the epoch's full `order`. */
export function shardOrder(order: readonly number[], { rank, worldSize }: Shard): number[] {
  const total = shardLength(order.length, worldSize) * worldSize;
  const padded = [...order];
  while (padded.length < total && order.length > 0) padded.push(...order.slice(0, total - padded.length));
  const mine: number[] = [];
  for (let i = rank; i < total; i += worldSize) mine.push(padded[i] as number);
  return mine;
}
