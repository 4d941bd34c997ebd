import { Body, Controller, Delete, Get, HttpCode, Param, ParseUUIDPipe, Post, Query } from '@nestjs/common';
import { ApiCreatedResponse, ApiNoContentResponse, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import type { Principal } from '../common/auth/principal';
import { Caller } from '../common/auth/principal.decorator';
import { ApiProblems, IdempotencyHeader } from '../common/http/api-responses';
import { PageQuery } from '../common/http/page-query';
import { PageOf } from '../common/http/page-view';
import { CreatedTokenView, CreateGlobalTokenDto, CreateTokenDto, TokenView } from './token.dto';
import { TokensService } from './tokens.service';
import { AnswerHoldsSecret } from '../common/idempotency/answer-holds-secret';

const Id = () => Param('id', new ParseUUIDPipe());

// who may call these is the role matrix's (libs/domain route-access): project admins and global
// admins; the service answers another project's tokens 404, as if the project did not exist
@ApiTags('tokens')
@Controller('v1')
export class TokensController {
  constructor(private readonly tokens: TokensService) {}

  @Post('projects/:id/tokens')
  @IdempotencyHeader()
  @AnswerHoldsSecret('token')
  @ApiCreatedResponse({ type: CreatedTokenView })
  @ApiProblems([404, 'not_found'])
  create(@Caller() p: Principal, @Id() id: string, @Body() dto: CreateTokenDto) {
    return this.tokens.create(p, id, dto);
  }

  @Get('projects/:id/tokens')
  @ApiOkResponse({ type: PageOf(TokenView) })
  @ApiProblems([404, 'not_found'])
  listForProject(@Caller() p: Principal, @Id() id: string, @Query() q: PageQuery) {
    return this.tokens.listForProject(p, id, q);
  }

  @Post('tokens')
  @IdempotencyHeader()
  @AnswerHoldsSecret('token')
  @ApiCreatedResponse({
    type: CreatedTokenView,
    description: 'A global token (operator or admin); the secret shown once',
  })
  @ApiProblems()
  createGlobal(@Body() dto: CreateGlobalTokenDto) {
    return this.tokens.createGlobal(dto);
  }

  @Get('tokens')
  @ApiOkResponse({ type: PageOf(TokenView), description: 'The global tokens (operators and admins), newest first' })
  @ApiProblems()
  listGlobal(@Query() q: PageQuery) {
    return this.tokens.listGlobal(q);
  }

  @Delete('tokens/:id')
  @IdempotencyHeader()
  @HttpCode(204)
  @ApiNoContentResponse({ description: 'Revoked: no API replica honours the token any more' })
  @ApiProblems([404, 'not_found'])
  revoke(@Caller() p: Principal, @Id() id: string) {
    return this.tokens.revoke(p, id);
  }
}
