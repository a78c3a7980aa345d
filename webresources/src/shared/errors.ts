/** The message of whatever was thrown or rejected (Xrm.WebApi rejects with `{ errorCode, message }`), for the user. */
export function describeError(error: unknown): string {
  if (typeof error === "object" && error !== null && "message" in error && typeof error.message === "string") {
    return error.message;
  }
  return typeof error === "string" ? error : "unknown error";
}
