// What a failed backend call says: its message, and its stable code (an ApiError's `code`,
// such as "not_found"), for anything thrown or rejected.

/** The error's message; the error itself as text when it has none. */
export function messageOf(error: unknown): string {
  return typeof error === "object" && error !== null && "message" in error ? String((error as { message: unknown }).message) : String(error);
}

/** The error's code (an ApiError's), when it has one. */
export function codeOf(error: unknown): string | undefined {
  return typeof error === "object" && error !== null && "code" in error ? String((error as { code: unknown }).code) : undefined;
}
