import { Module } from '@nestjs/common';
import { DeclareDeadService } from './declare-dead';
import { EnrollmentService } from './enrollment.service';
import { CertificateRenewalService } from './certificate-renewal.service';
import { HostsController } from './hosts.controller';
import { MaintenanceService } from './maintenance.service';

@Module({
  controllers: [HostsController],
  providers: [EnrollmentService, MaintenanceService, DeclareDeadService, CertificateRenewalService],
})
export class HostsModule {}
