import { Module } from '@nestjs/common';
import { EnrollmentService } from './enrollment.service';
import { HostsController } from './hosts.controller';

@Module({ controllers: [HostsController], providers: [EnrollmentService] })
export class HostsModule {}
