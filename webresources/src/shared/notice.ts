/** A message for the user, independent of where it is shown (form banner, field, dialog). */
export type NoticeLevel = "INFO" | "WARNING" | "ERROR";

export interface Notice {
  /** Stable id: showing a notice with the same id replaces the previous one. */
  id: string;
  level: NoticeLevel;
  message: string;
}

/** "a", "a and b", "a, b and 3 more": names in a message stay short however many there are. */
export function toShortList(items: readonly string[], max = 3): string {
  const shown = items.slice(0, max);
  const rest = items.length - shown.length;
  if (rest > 0) return `${shown.join(", ")} and ${String(rest)} more`;
  if (shown.length <= 1) return shown.join("");
  return `${shown.slice(0, -1).join(", ")} and ${shown[shown.length - 1] ?? ""}`;
}
