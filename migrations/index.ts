import { InitialSchema1764140000000 } from './1764140000000-InitialSchema.js';
import { ChatsSchema1764150000000 } from './1764150000000-ChatsSchema.js';
import { RoutingLogApiKey1764160000000 } from './1764160000000-RoutingLogApiKey.js';
import { SharedLimits1764170000000 } from './1764170000000-SharedLimits.js';
import { PartitionRoutingLog1764180000000 } from './1764180000000-PartitionRoutingLog.js';
import { RoutingLogLeanInsert1764190000000 } from './1764190000000-RoutingLogLeanInsert.js';

/** Every migration, in order. Listed explicitly so the app, the CLI and Jest load them the same way. */
export const migrations = [
  InitialSchema1764140000000,
  ChatsSchema1764150000000,
  RoutingLogApiKey1764160000000,
  SharedLimits1764170000000,
  PartitionRoutingLog1764180000000,
  RoutingLogLeanInsert1764190000000,
];
