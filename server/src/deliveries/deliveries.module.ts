import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { AppConfig } from '../config/app-config';
import { SessionKeyCipher } from '../sessions/session-key-cipher';
import { UsersModule } from '../users/users.module';
import { BLOB_STORE, DirectoryBlobStore } from './blob-store';
import { DeliveriesController } from './deliveries.controller';
import { DeliveriesService } from './deliveries.service';
import { DeliveryRepository } from './delivery.repository';
import { DeliverySweeper } from './delivery-sweeper';
import { Delivery } from './delivery.entity';

/** Stored deliveries (issue 13). The blob store is a directory (SFT_STORE_DIR) unless another is provided. */
@Module({
  imports: [TypeOrmModule.forFeature([Delivery]), UsersModule],
  controllers: [DeliveriesController],
  providers: [
    DeliveriesService,
    DeliveryRepository,
    DeliverySweeper,
    SessionKeyCipher,
    { provide: BLOB_STORE, inject: [AppConfig], useFactory: (config: AppConfig) => new DirectoryBlobStore(config.storeDir) },
  ],
})
export class DeliveriesModule {}
