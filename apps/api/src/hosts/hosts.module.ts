import { Module } from '@nestjs/common';
import { DeclareDeadService } from './declare-dead';
import { EnrollmentService } from './enrollment.service';
import { HostsController } from './hosts.controller';
import { MaintenanceService } from './maintenance.service';

@Module({ controllers: [HostsController], providers: [EnrollmentService, MaintenanceService, DeclareDeadService] })
export class HostsModule {}
