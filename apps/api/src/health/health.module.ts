import { Module } from '@nestjs/common';
import { HaMetrics } from './ha-metrics';
import { HealthController } from './health.controller';

@Module({ controllers: [HealthController], providers: [HaMetrics] })
export class HealthModule {}
