/** The octet ranges of an image received so far, as sorted, merged [start, end) pairs. */
export type Ranges = Array<[start: number, end: number]>;

export function addRange(ranges: Ranges, start: number, end: number): Ranges {
  const merged: Ranges = [];
  let next: [number, number] = [start, end];
  for (const range of ranges) {
    if (range[1] < next[0]) merged.push(range);
    else if (range[0] > next[1]) {
      merged.push(next);
      next = range;
    } else next = [Math.min(range[0], next[0]), Math.max(range[1], next[1])];
  }
  merged.push(next);
  return merged.sort((a, b) => a[0] - b[0]);
}

export function coveredOctets(ranges: Ranges): number {
  return ranges.reduce((sum, [start, end]) => sum + end - start, 0);
}

export function isRanges(value: unknown): value is Ranges {
  return Array.isArray(value) && value.every((range) => Array.isArray(range) && range.length === 2 && Number.isSafeInteger(range[0]) && Number.isSafeInteger(range[1]) && range[0] < range[1]);
}
