import { Module } from '@nestjs/common';
import { PlacementController } from './placement.controller';
import { DryRunService } from './dry-run.service';

@Module({ controllers: [PlacementController], providers: [DryRunService] })
export class PlacementModule {}
