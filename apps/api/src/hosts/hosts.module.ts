import { Module } from '@nestjs/common';
import { EnrollmentService } from './enrollment.service';
import { HostsController } from './hosts.controller';
import { MaintenanceService } from './maintenance.service';

@Module({ controllers: [HostsController], providers: [EnrollmentService, MaintenanceService] })
export class HostsModule {}
