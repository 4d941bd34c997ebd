import type { PlacementHost } from './types';

/**
 * Hosts by id, also held in an array so a decision can look at a window of them: a map's
 * order cannot be entered in the middle. Deleting swaps the last host into the hole.
 */
export class HostTable {
  private readonly list: PlacementHost[] = [];
  private readonly index = new Map<string, number>();

  get size(): number {
    return this.list.length;
  }

  get(id: string): PlacementHost | undefined {
    const i = this.index.get(id);
    return i === undefined ? undefined : this.list[i];
  }

  set(host: PlacementHost): void {
    const i = this.index.get(host.id);
    if (i === undefined) {
      this.index.set(host.id, this.list.length);
      this.list.push(host);
    } else this.list[i] = host;
  }

  delete(id: string): void {
    const i = this.index.get(id);
    if (i === undefined) return;
    const last = this.list.pop()!;
    this.index.delete(id);
    if (last.id !== id) {
      this.list[i] = last;
      this.index.set(last.id, i);
    }
  }

  clear(): void {
    this.list.length = 0;
    this.index.clear();
  }

  /** Every host; re-iterable, as a decision walks its hosts more than once. */
  all(): Iterable<PlacementHost> {
    return { [Symbol.iterator]: () => this.list.values() };
  }

  /**
   * `size` hosts from `start`, wrapping around the end (all of them if there are fewer): a
   * copy, as an array is walked much faster than a generator and the window is small.
   */
  window(start: number, size: number): PlacementHost[] {
    const list = this.list;
    const n = Math.min(size, list.length);
    const from = list.length ? ((start % list.length) + list.length) % list.length : 0;
    const hosts = new Array<PlacementHost>(n);
    for (let k = 0; k < n; k++) hosts[k] = list[(from + k) % list.length]!;
    return hosts;
  }
}
