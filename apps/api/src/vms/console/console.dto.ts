import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsInt, Max, Min } from 'class-validator';
import { Optional } from '../../common/http/optional';

export const CONSOLE_DEFAULT_BYTES = 64 * 1024;
export const CONSOLE_MAX_BYTES = 1024 * 1024;

export class ConsoleQuery {
  @ApiPropertyOptional({
    minimum: 1,
    maximum: CONSOLE_MAX_BYTES,
    default: CONSOLE_DEFAULT_BYTES,
    description: 'At most this many of the last bytes of the console',
  })
  @Optional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(CONSOLE_MAX_BYTES)
  bytes?: number;
}

export class ConsoleView {
  @ApiProperty({
    description:
      "The end of the guest's console output as its host logged it (xenconsoled's guest log), UTF-8; " +
      'bytes that are not UTF-8 show as U+FFFD',
  })
  output!: string;
  @ApiProperty({ description: 'The console holds more than `bytes`: older output was left out' })
  truncated!: boolean;
}
