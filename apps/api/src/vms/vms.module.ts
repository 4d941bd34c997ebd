import { Module } from '@nestjs/common';
import { HostAgents } from '../infra/host-agents';
import { ProjectsModule } from '../projects/projects.module';
import { VmConsoleController } from './console/vm-console.controller';
import { VmConsoleService } from './console/vm-console.service';
import { VmsController } from './vms.controller';
import { VmsService } from './vms.service';

@Module({
  imports: [ProjectsModule],
  controllers: [VmsController, VmConsoleController],
  providers: [VmsService, VmConsoleService, HostAgents],
})
export class VmsModule {}
