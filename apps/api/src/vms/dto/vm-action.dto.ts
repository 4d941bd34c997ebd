import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsBoolean, IsIn, IsInt, IsUUID, Max, Min } from 'class-validator';
import { MAX_TTL_SECONDS } from './create-vm.dto';
import { Optional } from '../../common/http/optional';

export const VM_ACTION_NAMES = ['start', 'stop', 'reboot', 'migrate'] as const;

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
