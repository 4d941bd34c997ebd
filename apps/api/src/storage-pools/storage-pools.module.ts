import { Module } from '@nestjs/common';
import { StoragePoolsController } from './storage-pools.controller';

@Module({ controllers: [StoragePoolsController] })
export class StoragePoolsModule {}
