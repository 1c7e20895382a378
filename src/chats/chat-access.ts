import { AppError, ErrorCode } from '../common/app-error.js';

/**
 * The one answer for a chat that does not exist and for one the caller may not see: byte for byte
 * the same body (no id echoed), so the two cannot be told apart.
 */
export function chatNotFound(): AppError {
  return new AppError(ErrorCode.NotFound, 'Chat not found.');
}
