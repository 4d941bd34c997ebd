import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import type { Snapshot } from '@xenplane/db';
import { SNAPSHOT_STATES } from '@xenplane/domain';
import { OperationView } from '../../operations/operation.view';

class SnapshotErrorView {
  @ApiProperty() code!: string;
  @ApiProperty() message!: string;
}

export class SnapshotView {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty({ format: 'uuid' }) vmId!: string;
  @ApiProperty() name!: string;
  @ApiProperty({
    enum: SNAPSHOT_STATES,
    description:
      'creating, reverting, deleting while its operation runs; error: its copy or removal failed (error says why)',
  })
  state!: string;
  @ApiPropertyOptional({
    description: 'What its copies take on the host, in bytes (sparse: only what the guest changed)',
  })
  sizeBytes?: number;
  @ApiPropertyOptional({ type: SnapshotErrorView, description: 'Why it is in error: the operation that failed it' })
  error?: SnapshotErrorView;
  @ApiProperty({ format: 'date-time' }) createdAt!: string;
  @ApiProperty({ format: 'date-time' }) updatedAt!: string;
}

export class SnapshotPage {
  @ApiProperty({ type: [SnapshotView] }) items!: SnapshotView[];
  @ApiPropertyOptional({ description: 'Absent on the last page' }) nextCursor?: string;
}

export class SnapshotStartedView {
  @ApiProperty({ type: SnapshotView }) snapshot!: SnapshotView;
  @ApiProperty({ type: OperationView }) operation!: OperationView;
}

export function presentSnapshot(s: Snapshot, error?: { code: string; message: string } | null): SnapshotView {
  return {
    id: s.id,
    vmId: s.vmId,
    name: s.name,
    state: s.state,
    ...(s.sizeBytes !== null ? { sizeBytes: Number(s.sizeBytes) } : {}),
    ...(s.state === 'error' && error ? { error } : {}),
    createdAt: s.createdAt.toISOString(),
    updatedAt: s.updatedAt.toISOString(),
  };
}
