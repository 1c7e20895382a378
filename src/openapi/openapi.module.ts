import { Module } from '@nestjs/common';
import { ConsoleModule } from '../console/console.module.js';
import { OpenApiController } from './openapi.controller.js';

/** `GET /openapi.json` (the hand-written document) and `GET /docs` (Swagger UI reading it). */
@Module({ imports: [ConsoleModule], controllers: [OpenApiController] })
export class OpenApiModule {}
