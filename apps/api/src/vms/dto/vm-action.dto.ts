import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsBoolean, IsIn, IsInt, IsString, IsUUID, Matches, Max, Min } from 'class-validator';
import { MAX_TTL_SECONDS, NAME_PATTERN } from './create-vm.dto';
import { Optional } from '../../common/http/optional';

export const VM_ACTION_NAMES = ['start', 'stop', 'reboot', 'migrate', 'clone'] as const;

export class VmActionDto {
  @ApiProperty({ enum: VM_ACTION_NAMES })
  @IsIn(VM_ACTION_NAMES)
  action!: (typeof VM_ACTION_NAMES)[number];

  @ApiPropertyOptional({ format: 'uuid', description: 'migrate only; operators and admins' })
  @Optional()
  @IsUUID()
  targetHostId?: string;

  @ApiPropertyOptional({ default: true, description: 'migrate only' })
  @Optional()
  @IsBoolean()
  live?: boolean;

  @ApiPropertyOptional({
    pattern: NAME_PATTERN.source,
    description: 'clone only: the new VM’s name (default `<name>-clone-<n>`)',
  })
  @Optional()
  @IsString()
  @Matches(NAME_PATTERN, {
    message: 'must be 1-63 letters, digits, dots, dashes or underscores, starting with a letter or digit',
  })
  name?: string;
}

export class UpdateVmDto {
  @ApiPropertyOptional({
    minimum: 1,
    maximum: MAX_TTL_SECONDS,
    description: 'Extends (or shortens) the time to live: the VM expires this many seconds from now',
  })
  @Optional()
  @IsInt()
  @Min(1)
  @Max(MAX_TTL_SECONDS)
  ttlSeconds?: number;
}
