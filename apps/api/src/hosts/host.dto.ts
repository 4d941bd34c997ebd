import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsInt, IsString, IsUUID, Matches, Max, MaxLength, Min } from 'class-validator';
import type { HostRow, Pool } from '@xenplane/db';
import { HOST_STATES, offeredCapacity } from '@xenplane/domain';
import { NAME_PATTERN } from '../vms/dto/create-vm.dto';
import { Optional } from '../common/http/optional';

// host:port with a DNS name or an IPv4 address; what the scheduler dials and the cert names
export const ADDRESS_PATTERN = /^([A-Za-z0-9-]{1,63}(\.[A-Za-z0-9-]{1,63})*|\d{1,3}(\.\d{1,3}){3}):([1-9]\d{0,4})$/;

export class CreateEnrollmentTokenDto {
  @ApiProperty({ format: 'uuid' }) @IsUUID() poolId!: string;
  @ApiPropertyOptional({ pattern: NAME_PATTERN.source, description: 'Only a host of this name may use the token' })
  @Optional()
  @Matches(NAME_PATTERN)
  hostName?: string;
  @ApiPropertyOptional({ minimum: 1, maximum: 10080, description: 'Minutes until the token expires' })
  @Optional()
  @IsInt()
  @Min(1)
  @Max(10080)
  ttlMinutes?: number;
}

export class EnrollmentTokenView {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty({ description: 'The one-time secret: shown once' }) token!: string;
  @ApiProperty({ format: 'uuid' }) poolId!: string;
  @ApiProperty({ format: 'date-time' }) expiresAt!: string;
}

export class EnrollHostDto {
  @ApiProperty() @IsString() @MaxLength(200) token!: string;
  @ApiProperty({ pattern: NAME_PATTERN.source }) @IsString() @Matches(NAME_PATTERN) name!: string;
  @ApiProperty({ example: '10.0.0.5:7443', description: 'host:port the control plane dials' })
  @IsString()
  @Matches(ADDRESS_PATTERN, { message: 'must be host:port' })
  address!: string;
  @ApiProperty({ description: 'PEM certificate signing request for the agent key' })
  @IsString()
  @MaxLength(8192)
  @Matches(/^-----BEGIN CERTIFICATE REQUEST-----[\s\S]+-----END CERTIFICATE REQUEST-----\s*$/, {
    message: 'must be a PEM CSR',
  })
  csrPem!: string;
}

export class EnrolledHostView {
  @ApiProperty({ format: 'uuid' }) hostId!: string;
  @ApiProperty({ format: 'uuid' }) poolId!: string;
  @ApiProperty() certificatePem!: string;
  @ApiProperty() caCertificatePem!: string;
}

class ResourcesView {
  @ApiProperty() vcpus!: number;
  @ApiProperty() memoryMb!: number;
  @ApiProperty() diskGb!: number;
}

class UsageView extends ResourcesView {
  @ApiProperty() instances!: number;
}

export class HostView {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty() name!: string;
  @ApiProperty({ format: 'uuid' }) poolId!: string;
  @ApiProperty({ enum: HOST_STATES }) state!: string;
  @ApiProperty({ description: 'The agent endpoint, host:port' }) address!: string;
  @ApiProperty({
    description:
      'Where the pool’s other hosts reach its agent (witness pings, migration streams), host:port: the address it advertises on its pool network (AGENT_PEER_ADVERTISE_ADDRESS), else `address`',
  })
  peerAddress!: string;
  @ApiProperty({ type: ResourcesView, description: '(total - dom0 reservation) x the pool allocation ratios' })
  capacity!: ResourcesView;
  @ApiProperty({ type: UsageView }) usage!: UsageView;
  @ApiProperty({ type: ResourcesView }) total!: ResourcesView;
  @ApiProperty({ type: ResourcesView, description: 'Kept by dom0' }) reserved!: ResourcesView;
  @ApiProperty({ description: 'free_memory as xl info last reported it' }) freeMemoryMb!: number;
  @ApiPropertyOptional({ format: 'date-time' }) lastHeartbeatAt?: string;
  @ApiPropertyOptional({ description: 'Milliseconds since the last heartbeat, by the database clock' })
  heartbeatAgeMs?: number;
  @ApiProperty({
    description: "Answered a heartbeat within its pool's suspect timeout: only such hosts (and up) take new VMs",
  })
  live!: boolean;
  @ApiProperty() xenVersion!: string;
  @ApiProperty() hvm!: boolean;
  @ApiProperty() hap!: boolean;
  @ApiProperty() cpuVendor!: string;
  @ApiProperty({ type: [String] }) cpuFeatures!: string[];
  @ApiProperty() agentVersion!: string;
  @ApiPropertyOptional({
    format: 'date-time',
    description:
      "When the host's certificate expires; the scheduler renews it CERT_RENEW_BEFORE_DAYS before. Absent for a host enrolled before expiries were recorded (renewed, and so known, at the scheduler's first round)",
  })
  certificateExpiresAt?: string;
  @ApiPropertyOptional({
    format: 'date-time',
    description:
      'An operator asked for its certificate to be renewed now (POST /v1/hosts/{id}/certificate/renew): not done yet',
  })
  certificateRenewalRequestedAt?: string;
  @ApiProperty({ format: 'date-time' }) createdAt!: string;
}

export function presentHost(h: HostRow, pool: Pool): HostView {
  const total = { vcpus: h.totalVcpus, memoryMb: h.totalMemoryMb, diskGb: h.totalDiskGb };
  const reserved = { vcpus: h.reservedVcpus, memoryMb: h.reservedMemoryMb, diskGb: h.reservedDiskGb };
  return {
    id: h.id,
    name: h.name,
    poolId: h.poolId,
    state: h.state,
    address: h.address,
    peerAddress: h.peerAddress ?? h.address,
    capacity: offeredCapacity(total, reserved, pool),
    usage: { vcpus: h.usedVcpus, memoryMb: h.usedMemoryMb, diskGb: h.usedDiskGb, instances: h.usedInstances },
    total,
    reserved,
    freeMemoryMb: h.freeMemoryMb,
    ...(h.lastHeartbeatAt ? { lastHeartbeatAt: h.lastHeartbeatAt.toISOString() } : {}),
    ...(h.heartbeatAgeMs !== null ? { heartbeatAgeMs: Math.max(0, Math.round(h.heartbeatAgeMs)) } : {}),
    live: h.live,
    xenVersion: h.xenVersion,
    hvm: h.hvm,
    hap: h.hap,
    cpuVendor: h.cpuVendor,
    cpuFeatures: h.cpuFeatures,
    agentVersion: h.agentVersion,
    ...(h.certExpiresAt ? { certificateExpiresAt: h.certExpiresAt.toISOString() } : {}),
    ...(h.certRenewalRequestedAt ? { certificateRenewalRequestedAt: h.certRenewalRequestedAt.toISOString() } : {}),
    createdAt: h.createdAt.toISOString(),
  };
}
