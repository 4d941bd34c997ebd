import { Inject, Injectable, type OnModuleInit } from '@nestjs/common';
import type { Redis } from 'ioredis';
import { getLogger } from '@xenplane/observability';
import { API_CONFIG, type ApiConfig } from '../../config';
import { ApiRedis } from '../../infra/redis.module';
import { TokenAuthenticator } from './token-authenticator';

// a publish that takes longer than this is taken as lost
const PUBLISH_TIMEOUT_MS = 1_000;

/**
 * Revocation takes effect at once on every API replica: the replica that revokes a token
 * publishes its id on a Redis channel of this cloud, and every replica (itself included) drops
 * the token from its cache. A message can be lost: while a replica's subscription is down it
 * reads no cached token (TokenAuthenticator.trustCache), and when the publish itself fails the
 * revocation answers only once every cached lookup of the token has expired (AUTH_CACHE_MS).
 */
@Injectable()
export class TokenRevocations implements OnModuleInit {
  private readonly log = getLogger('token-revocations');
  private readonly channel: string;

  constructor(
    private readonly redis: ApiRedis,
    private readonly authenticator: TokenAuthenticator,
    @Inject(API_CONFIG) private readonly config: ApiConfig,
  ) {
    this.channel = redis.key('token-revocations');
  }

  onModuleInit(): void {
    // named after the process, so that an operator (or a test) can tell the replicas' connections apart
    const subscriber = this.redis.subscriber(`xenplane-api-token-revocations-${process.pid}`);
    subscriber.on('message', (channel: string, tokenId: string) => {
      if (channel === this.channel) this.authenticator.forget(tokenId);
    });
    // every (re)connection subscribes afresh; until it has, nothing cached is read
    subscriber.on('ready', () => void this.subscribe(subscriber));
    subscriber.on('close', () => this.authenticator.trustCache(false));
  }

  /**
   * Announces a revocation the database holds already. Resolves once no replica honours the
   * token: at once when the message went out, after AUTH_CACHE_MS when it could not.
   */
  async announce(tokenId: string): Promise<void> {
    this.authenticator.forget(tokenId);
    try {
      await withTimeout(this.redis.client.publish(this.channel, tokenId), PUBLISH_TIMEOUT_MS);
    } catch (err) {
      this.log.warn(
        { err: (err as Error).message, tokenId, waitMs: this.config.AUTH_CACHE_MS },
        'could not announce a revocation; waiting until no replica has the token cached',
      );
      await new Promise((resolve) => setTimeout(resolve, this.config.AUTH_CACHE_MS));
    }
  }

  private async subscribe(subscriber: Redis): Promise<void> {
    try {
      await subscriber.subscribe(this.channel);
      // revocations published while this replica was not subscribed were missed: forget what it cached
      this.authenticator.trustCache(true);
      this.log.info('subscribed to token revocations');
    } catch (err) {
      // the connection failed again: it reconnects, and 'ready' subscribes then
      this.log.warn({ err: (err as Error).message }, 'could not subscribe to token revocations');
    }
  }
}

function withTimeout<T>(p: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms`)), ms);
  });
  return Promise.race([p, timeout]).finally(() => clearTimeout(timer));
}
