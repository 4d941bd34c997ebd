/** One value of a RankedValues, with what it belongs to. */
export interface RankedValue {
  id: string;
  v: number;
}

/**
 * A value per id, ranked largest first (ties: the smaller id first), kept as an indexed binary
 * heap: setting or deleting a value costs O(log n), and the k largest are read in O(k²)
 * without touching the rest. What an HA pool's figures need: its hosts' (protected + free)
 * room change one host at a time, and only the N+1 largest matter.
 */
export class RankedValues {
  private readonly ids: string[] = [];
  private readonly values: number[] = [];
  /** id -> its slot in the heap */
  private readonly slot = new Map<string, number>();

  get size(): number {
    return this.ids.length;
  }

  get(id: string): number | undefined {
    const i = this.slot.get(id);
    return i === undefined ? undefined : this.values[i];
  }

  set(id: string, v: number): void {
    const i = this.slot.get(id);
    if (i === undefined) {
      this.ids.push(id);
      this.values.push(v);
      this.slot.set(id, this.ids.length - 1);
      this.siftUp(this.ids.length - 1);
    } else {
      this.values[i] = v;
      this.restore(i);
    }
  }

  delete(id: string): void {
    const i = this.slot.get(id);
    if (i === undefined) return;
    const last = this.ids.length - 1;
    this.swap(i, last);
    this.ids.pop();
    this.values.pop();
    this.slot.delete(id);
    if (i < last) this.restore(i);
  }

  clear(): void {
    this.ids.length = 0;
    this.values.length = 0;
    this.slot.clear();
  }

  /**
   * The k largest, largest first. A best-first walk of the heap: the next largest is always
   * the root or a child of one already taken, so only those (at most k + 1) are compared.
   */
  top(k: number): RankedValue[] {
    const out: RankedValue[] = [];
    const frontier: number[] = this.ids.length ? [0] : [];
    while (out.length < k && frontier.length) {
      let best = 0;
      for (let f = 1; f < frontier.length; f++) if (this.above(frontier[f]!, frontier[best]!)) best = f;
      const i = frontier[best]!;
      frontier[best] = frontier[frontier.length - 1]!;
      frontier.pop();
      out.push({ id: this.ids[i]!, v: this.values[i]! });
      if (2 * i + 1 < this.ids.length) frontier.push(2 * i + 1);
      if (2 * i + 2 < this.ids.length) frontier.push(2 * i + 2);
    }
    return out;
  }

  /** Whether slot i ranks before slot j. */
  private above(i: number, j: number): boolean {
    const a = this.values[i]!;
    const b = this.values[j]!;
    return a > b || (a === b && this.ids[i]! < this.ids[j]!);
  }

  private restore(i: number): void {
    if (i > 0 && this.above(i, (i - 1) >> 1)) this.siftUp(i);
    else this.siftDown(i);
  }

  private siftUp(i: number): void {
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!this.above(i, parent)) return;
      this.swap(i, parent);
      i = parent;
    }
  }

  private siftDown(i: number): void {
    const n = this.ids.length;
    for (;;) {
      let best = i;
      const l = 2 * i + 1;
      const r = l + 1;
      if (l < n && this.above(l, best)) best = l;
      if (r < n && this.above(r, best)) best = r;
      if (best === i) return;
      this.swap(i, best);
      i = best;
    }
  }

  private swap(i: number, j: number): void {
    if (i === j) return;
    const id = this.ids[i]!;
    const v = this.values[i]!;
    this.ids[i] = this.ids[j]!;
    this.values[i] = this.values[j]!;
    this.ids[j] = id;
    this.values[j] = v;
    this.slot.set(this.ids[i]!, i);
    this.slot.set(id, j);
  }
}
