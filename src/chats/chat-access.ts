import { AppError, ErrorCode } from '../common/app-error.js';

/** The one answer for a chat that does not exist and for one the caller may not see. */
export function chatNotFound(chatId: string): AppError {
  return new AppError(ErrorCode.NotFound, 'Chat not found.', { chat_id: chatId });
}
