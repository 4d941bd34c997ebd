import { ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsInt, IsString, Max, MaxLength, Min, MinLength } from 'class-validator';
import { Optional } from './optional';

/** The keyset page every list route takes (`limit`, `cursor`): list queries extend it. */
export class PageQuery {
  @ApiPropertyOptional({ minimum: 1, maximum: 500, default: 50 })
  @Optional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(500)
  limit?: number;

  @ApiPropertyOptional({ description: 'nextCursor of the previous page' })
  @Optional()
  @IsString()
  @MaxLength(200)
  cursor?: string;
}

/** A page of a list whose rows have names: `name` keeps the one(s) with exactly that name. */
export class NamedPageQuery extends PageQuery {
  @ApiPropertyOptional({ description: 'only the one with exactly this name' })
  @Optional()
  @IsString()
  @MinLength(1)
  @MaxLength(64)
  name?: string;
}
