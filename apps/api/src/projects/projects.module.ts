import { Module } from '@nestjs/common';
import { ProjectsController } from './projects.controller';
import { ProjectsResolver } from './projects.resolver';
import { ProjectsService } from './projects.service';
import { TokensController } from './tokens.controller';
import { TokensService } from './tokens.service';

@Module({
  controllers: [ProjectsController, TokensController],
  providers: [ProjectsService, ProjectsResolver, TokensService],
  exports: [ProjectsResolver],
})
export class ProjectsModule {}
