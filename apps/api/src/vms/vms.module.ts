import { Module } from '@nestjs/common';
import { ProjectsModule } from '../projects/projects.module';
import { VmsController } from './vms.controller';
import { VmsService } from './vms.service';

@Module({ imports: [ProjectsModule], controllers: [VmsController], providers: [VmsService] })
export class VmsModule {}
