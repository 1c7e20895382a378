import { ApiError } from '../api/client.js';

/** A failed admin read: a member's 403 says plainly that the page is for admins. */
export function AdminError({ error }: { error: unknown }) {
  const text =
    error instanceof ApiError && error.status === 403
      ? `Admins only: the server refused this page for your key (${error.code}).`
      : `Could not load: ${(error as Error)?.message ?? String(error)}`;
  return (
    <p class="error" role="alert">
      {text}
    </p>
  );
}
