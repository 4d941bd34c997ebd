import { Module } from '@nestjs/common';
import { ProjectsModule } from '../projects/projects.module';
import { ServerGroupsController } from './server-groups.controller';

@Module({ imports: [ProjectsModule], controllers: [ServerGroupsController] })
export class ServerGroupsModule {}
