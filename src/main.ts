import { withDeferredDateTimeFormat } from './common/deferred-date-time-format.js';

// Loading the app evaluates @nestjs/common, whose logger builds an Intl.DateTimeFormat (~9 MB of ICU data) it only needs to print.
const { runService } = await withDeferredDateTimeFormat(() => import('./service.js'));
runService();
