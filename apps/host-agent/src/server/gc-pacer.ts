/** Calls between two major GCs the agent asks for: ~33 minutes of heartbeats from one scheduler. */
export const CALLS_PER_MAJOR_GC = 1_000;

type AsyncGc = (options: { type: 'major'; execution: 'async' }) => Promise<void>;

/**
 * Asks V8 for a major GC after every `every` calls, when node exposes gc() (--expose-gc, in the
 * host-agent CMD of the root Dockerfile, and the Debian package's unit); without it, does nothing.
 *
 * Every call leaves garbage that only a major GC frees: ~1.2 KB in V8's old generation and ~1 KB
 * of malloc'd memory (node's HTTP/2 server makes each received header value an external string,
 * allocated in the old generation and holding nghttp2's buffer of it). Left to itself, V8 collects
 * once the old generation has grown 8 MB past its live size, and by then the malloc'd part has
 * grown glibc's heap, which it keeps. A collection every 1,000 calls holds the RSS near where it
 * starts (BENCHMARKS.md, "Host agent memory under heartbeats"), and a collection of the agent's
 * small heap pauses it only milliseconds.
 */
export class GcPacer {
  private calls = 0;

  constructor(
    private readonly gc: AsyncGc | undefined,
    private readonly every = CALLS_PER_MAJOR_GC,
  ) {}

  /** One more call answered. */
  called(): void {
    if (!this.gc || ++this.calls < this.every) return;
    this.calls = 0;
    void this.gc({ type: 'major', execution: 'async' });
  }
}
