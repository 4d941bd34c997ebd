import { Body, Controller, Delete, Get, Param, ParseUUIDPipe, Post, Query } from '@nestjs/common';
import { ApiOkResponse, ApiTags } from '@nestjs/swagger';
import type { Principal } from '../../common/auth/principal';
import { Caller } from '../../common/auth/principal.decorator';
import { Accepted, ApiProblems } from '../../common/http/api-responses';
import { OperationView } from '../../operations/operation.view';
import { CreateSnapshotDto, ListSnapshotsQuery } from './snapshot.dto';
import { SnapshotPage, SnapshotStartedView, SnapshotView } from './snapshot.view';
import { SnapshotsService } from './snapshots.service';

const Id = () => Param('id', new ParseUUIDPipe({ version: '4' }));
const SnapshotId = () => Param('snapshotId', new ParseUUIDPipe({ version: '4' }));

/** A VM's snapshots: copies of all its disks, kept on its host, to revert to (docs/API.md). */
@ApiTags('vms')
@Controller('v1/vms/:id/snapshots')
export class SnapshotsController {
  constructor(private readonly snapshots: SnapshotsService) {}

  @Post()
  @Accepted(SnapshotStartedView, 'The snapshot (creating) and the operation copying the disks')
  @ApiProblems([404, 'not_found'], [409, 'conflict'])
  create(@Caller() p: Principal, @Id() id: string, @Body() dto: CreateSnapshotDto) {
    return this.snapshots.create(p, id, dto);
  }

  @Get()
  @ApiOkResponse({ type: SnapshotPage })
  @ApiProblems([404, 'not_found'])
  list(@Caller() p: Principal, @Id() id: string, @Query() q: ListSnapshotsQuery) {
    return this.snapshots.list(p, id, q);
  }

  @Get(':snapshotId')
  @ApiOkResponse({ type: SnapshotView })
  @ApiProblems([404, 'not_found'])
  get(@Caller() p: Principal, @Id() id: string, @SnapshotId() snapshotId: string) {
    return this.snapshots.get(p, id, snapshotId);
  }

  @Delete(':snapshotId')
  @Accepted(OperationView, 'The operation removing the snapshot')
  @ApiProblems([404, 'not_found'], [409, 'conflict'])
  delete(@Caller() p: Principal, @Id() id: string, @SnapshotId() snapshotId: string) {
    return this.snapshots.startOn(p, id, snapshotId, 'snapshot_delete');
  }

  @Post(':snapshotId/revert')
  @Accepted(OperationView, 'The operation putting the snapshot back as the VM’s disks')
  @ApiProblems([404, 'not_found'], [409, 'conflict'])
  revert(@Caller() p: Principal, @Id() id: string, @SnapshotId() snapshotId: string) {
    return this.snapshots.startOn(p, id, snapshotId, 'snapshot_revert');
  }
}
