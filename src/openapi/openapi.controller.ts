import { Controller, Get, Header } from '@nestjs/common';
import { Public } from '../auth/auth.guard.js';
import { DOCS_CSP, renderDocsPage } from './docs-page.js';
import { OPENAPI_DOCUMENT } from './openapi.document.js';
import type { OpenApiDocument } from './openapi.types.js';

const DOCS_PAGE = renderDocsPage(OPENAPI_DOCUMENT);

@Public()
@Controller()
export class OpenApiController {
  @Get('openapi.json')
  document(): OpenApiDocument {
    return OPENAPI_DOCUMENT;
  }

  @Get('docs')
  @Header('Content-Type', 'text/html; charset=utf-8')
  @Header('Content-Security-Policy', DOCS_CSP)
  @Header('X-Content-Type-Options', 'nosniff')
  docs(): string {
    return DOCS_PAGE;
  }
}
