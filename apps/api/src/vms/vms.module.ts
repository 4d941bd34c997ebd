import { Module } from '@nestjs/common';
import { HostAgents } from '../infra/host-agents';
import { ProjectsModule } from '../projects/projects.module';
import { VmConsoleController } from './console/vm-console.controller';
import { VmConsoleService } from './console/vm-console.service';
import { SnapshotsController } from './snapshots/snapshots.controller';
import { SnapshotsService } from './snapshots/snapshots.service';
import { VmsController } from './vms.controller';
import { VmsService } from './vms.service';

@Module({
  imports: [ProjectsModule],
  controllers: [VmsController, VmConsoleController, SnapshotsController],
  providers: [VmsService, VmConsoleService, SnapshotsService, HostAgents],
})
export class VmsModule {}
