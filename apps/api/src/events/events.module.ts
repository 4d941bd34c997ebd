import { Module } from '@nestjs/common';
import { EventFeed } from './event-feed';
import { EventsController } from './events.controller';

@Module({ controllers: [EventsController], providers: [EventFeed] })
export class EventsModule {}
