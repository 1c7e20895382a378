import { Controller, Get, Req, Res } from '@nestjs/common';
import type { Request, Response } from 'express';
import { Public } from '../auth/auth.guard.js';
import { sendConsoleFile } from '../console/console.middleware.js';
import { ConsoleFiles } from '../console/console-files.js';
import { OPENAPI_DOCUMENT } from './openapi.document.js';
import type { OpenApiDocument } from './openapi.types.js';

@Public()
@Controller()
export class OpenApiController {
  constructor(private readonly files: ConsoleFiles) {}

  @Get('openapi.json')
  document(): OpenApiDocument {
    return OPENAPI_DOCUMENT;
  }

  /** Swagger UI, bundled into the console's build (web/docs.html), reading `/openapi.json`. */
  @Get('docs')
  docs(@Req() req: Request, @Res() res: Response): void {
    const page = this.files.get('docs.html');
    if (!page) {
      res.status(503).type('text/plain').send('The API reference is not built: run `npm run build:web`.\n');
      return;
    }
    sendConsoleFile(req, res, page, 'no-cache');
  }
}
