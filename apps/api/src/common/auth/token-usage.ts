import { type BeforeApplicationShutdown, Inject, Injectable, type OnModuleInit } from '@nestjs/common';
import { TokenRepository } from '@xenplane/db';
import { getLogger } from '@xenplane/observability';
import { API_CONFIG, type ApiConfig } from '../../config';

/**
 * Tokens' lastUsedAt, written in batches: a request only notes its token here, and every
 * TOKEN_LAST_USED_FLUSH_MS (and at shutdown) the uses noted since go to the database in one
 * statement. Thousands of requests a second with one token cost one write per interval.
 */
@Injectable()
export class TokenUsage implements OnModuleInit, BeforeApplicationShutdown {
  private readonly log = getLogger('token-usage');
  private pending = new Map<string, Date>();
  private timer?: NodeJS.Timeout;
  private flushing?: Promise<void>;

  constructor(
    private readonly tokens: TokenRepository,
    @Inject(API_CONFIG) private readonly config: Pick<ApiConfig, 'TOKEN_LAST_USED_FLUSH_MS'>,
  ) {}

  onModuleInit(): void {
    this.timer = setInterval(() => void this.flush(), this.config.TOKEN_LAST_USED_FLUSH_MS);
    this.timer.unref();
  }

  /** A request authenticated with this token now. */
  note(tokenId: string, at = new Date()): void {
    this.pending.set(tokenId, at);
  }

  /** Writes the uses noted so far; one write at a time (a call during one shares it). */
  flush(): Promise<void> {
    this.flushing ??= this.write().finally(() => (this.flushing = undefined));
    return this.flushing;
  }

  // before the database's own shutdown hook disconnects it
  async beforeApplicationShutdown(): Promise<void> {
    clearInterval(this.timer);
    await this.flush(); // the write under way, if any
    await this.flush(); // and what was noted during it
  }

  private async write(): Promise<void> {
    if (!this.pending.size) return;
    const batch = this.pending;
    this.pending = new Map();
    try {
      await this.tokens.markUsed([...batch].map(([id, at]) => ({ id, at })));
    } catch (err) {
      // kept for the next flush, unless a newer use of the token was noted meanwhile
      for (const [id, at] of batch) if (!this.pending.has(id)) this.pending.set(id, at);
      this.log.warn({ err: (err as Error).message, tokens: batch.size }, "could not record tokens' last use; retrying");
    }
  }
}
