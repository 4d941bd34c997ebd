/** The k best-scored entries seen, without sorting everything (ties: smaller key first). */
export class TopK {
  private readonly ids: string[] = [];
  private readonly scores: number[] = [];
  private readonly keys: string[] = [];

  constructor(private readonly k: number) {}

  offer(id: string, score: number, key: string): void {
    const n = this.ids.length;
    if (n === this.k && !this.better(score, key, n - 1)) return;
    let i = n === this.k ? n - 1 : n;
    while (i > 0 && this.better(score, key, i - 1)) {
      this.ids[i] = this.ids[i - 1]!;
      this.scores[i] = this.scores[i - 1]!;
      this.keys[i] = this.keys[i - 1]!;
      i--;
    }
    this.ids[i] = id;
    this.scores[i] = score;
    this.keys[i] = key;
  }

  get size(): number {
    return this.ids.length;
  }

  result(): string[] {
    return [...this.ids];
  }

  private better(score: number, key: string, at: number): boolean {
    return score > this.scores[at]! || (score === this.scores[at]! && key < this.keys[at]!);
  }
}
