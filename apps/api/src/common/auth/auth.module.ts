import { Global, Module } from '@nestjs/common';
import { TokenAuthenticator } from './token-authenticator';
import { TokenRevocations } from './token-revocations';
import { TokenUsage } from './token-usage';

/** Bearer-token authentication, shared by the guards, and the announcement of revocations. */
@Global()
@Module({
  providers: [TokenAuthenticator, TokenRevocations, TokenUsage],
  exports: [TokenAuthenticator, TokenRevocations, TokenUsage],
})
export class AuthModule {}
