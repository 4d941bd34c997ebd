import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsBoolean } from 'class-validator';
import { Optional } from '../common/http/optional';

export class MaintenanceDto {
  @ApiPropertyOptional({
    default: true,
    description:
      'Move the running VMs off the host (202 with the evacuate operation); false only keeps new VMs off it (200 with the host)',
  })
  @Optional()
  @IsBoolean()
  evacuate?: boolean;
}
