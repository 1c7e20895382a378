import { Module } from '@nestjs/common';
import { OpenApiController } from './openapi.controller.js';

/** `GET /openapi.json` (the hand-written document) and `GET /docs` (a page rendering it). */
@Module({ controllers: [OpenApiController] })
export class OpenApiModule {}
