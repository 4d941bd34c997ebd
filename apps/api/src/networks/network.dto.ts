import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { ArrayMaxSize, IsArray, IsBoolean, IsString, IsUUID, Matches, MaxLength, MinLength } from 'class-validator';
import type { NetworkWithUse } from '@xenplane/db';
import { MAX_DNS, MAX_RANGE_ADDRESSES, rangeCapacity } from '@xenplane/domain';
import { Optional } from '../common/http/optional';
import { NamedPageQuery } from '../common/http/page-query';
import { NAME_PATTERN } from '../vms/dto/create-vm.dto';

// libs/domain planNetwork checks what these say; the decorators only keep out what is not text
export class CreateNetworkDto {
  @ApiProperty({ pattern: NAME_PATTERN.source, example: 'lan' })
  @IsString()
  @Matches(NAME_PATTERN, {
    message: 'must be 1-63 letters, digits, dots, dashes or underscores, starting with a letter or digit',
  })
  name!: string;

  @ApiProperty({ example: 'xenbr0', description: 'The bridge of that name on every host of the pool' })
  @IsString()
  @MinLength(1)
  @MaxLength(15)
  bridge!: string;

  @ApiProperty({ example: '10.10.0.0/24', description: 'IPv4, /8 to /30, no host bits set' })
  @IsString()
  @MaxLength(18)
  cidr!: string;

  @ApiProperty({ example: '10.10.0.1', description: 'One of the block’s hosts; never given to a VM' })
  @IsString()
  @MaxLength(15)
  gateway!: string;

  @ApiPropertyOptional({ type: [String], maxItems: MAX_DNS, example: ['10.10.0.1'] })
  @Optional()
  @IsArray()
  @ArrayMaxSize(MAX_DNS)
  @IsString({ each: true })
  @MaxLength(15, { each: true })
  dns?: string[];

  @ApiPropertyOptional({
    example: '10.10.0.10',
    description: `First address VMs get (default: the block’s first host); a range holds at most ${MAX_RANGE_ADDRESSES} addresses`,
  })
  @Optional()
  @IsString()
  @MaxLength(15)
  rangeStart?: string;

  @ApiPropertyOptional({ example: '10.10.0.250', description: 'Last address VMs get (default: the block’s last host)' })
  @Optional()
  @IsString()
  @MaxLength(15)
  rangeEnd?: string;

  @ApiPropertyOptional({
    default: false,
    description:
      'The pool’s default network: VMs created without `networks` get an address here (the previous default no longer is)',
  })
  @Optional()
  @IsBoolean()
  default?: boolean;
}

export class UpdateNetworkDto {
  @ApiPropertyOptional({ description: 'true: the pool’s default network from now on (the previous one no longer is)' })
  @Optional()
  @IsBoolean()
  default?: boolean;
}

export class ListNetworksQuery extends NamedPageQuery {
  @ApiPropertyOptional({ format: 'uuid' })
  @Optional()
  @IsUUID()
  poolId?: string;
}

class AddressUseView {
  @ApiProperty({ description: 'Addresses the range gives out (the gateway excluded)' }) total!: number;
  @ApiProperty({ description: 'Held by VMs' }) allocated!: number;
  @ApiProperty() free!: number;
}

export class NetworkView {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty({ format: 'uuid' }) poolId!: string;
  @ApiProperty() name!: string;
  @ApiProperty({ example: '10.10.0.0/24' }) cidr!: string;
  @ApiProperty() gateway!: string;
  @ApiProperty({ type: [String] }) dns!: string[];
  @ApiProperty({ description: 'VMs created in the pool without `networks` get an address here' }) default!: boolean;
  @ApiPropertyOptional({ description: 'Global tokens only: the hosts’ bridge' }) bridge?: string;
  @ApiPropertyOptional({ description: 'Global tokens only' }) rangeStart?: string;
  @ApiPropertyOptional({ description: 'Global tokens only' }) rangeEnd?: string;
  @ApiPropertyOptional({ type: AddressUseView, description: 'Global tokens only' }) addresses?: AddressUseView;
  @ApiProperty({ format: 'date-time' }) createdAt!: string;
}

/**
 * A network as a caller sees it. Tenants get what a guest's own configuration needs (block,
 * gateway, DNS) and which pool it is in; how the hosts wire it (the bridge) and how full its
 * range is are the operators'.
 */
export function presentNetwork(n: NetworkWithUse, operator: boolean): NetworkView {
  const total = rangeCapacity(n);
  return {
    id: n.id,
    poolId: n.poolId,
    name: n.name,
    cidr: n.cidr,
    gateway: n.gateway,
    dns: n.dns,
    default: n.isDefault,
    ...(operator
      ? {
          bridge: n.bridge,
          rangeStart: n.rangeStart,
          rangeEnd: n.rangeEnd,
          addresses: { total, allocated: n.allocated, free: total - n.allocated },
        }
      : {}),
    createdAt: n.createdAt.toISOString(),
  };
}
