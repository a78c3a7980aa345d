/**
 * What the scripts need from the page, as one object, so tests hand in fakes and the rules never touch globals.
 * `browserPorts()` reads the real `Xrm` lazily: handlers resolve it when they run, not when the bundle loads.
 */
export interface ClientPorts {
  webApi: Pick<Xrm.WebApi, "retrieveRecord" | "retrieveMultipleRecords" | "updateRecord">;
  navigation: Pick<Xrm.Navigation, "openAlertDialog" | "openConfirmDialog">;
  /** Resolves true when the text reached the clipboard. */
  copyText: (text: string) => Promise<boolean>;
  /** Formats a date and time the way the user reads them. */
  formatDateTime: (value: Date) => string;
  now: () => Date;
  /** Blocks the page with a message while a command works; `closeProgress` ends it. */
  showProgress: (message: string) => void;
  closeProgress: () => void;
  /** Runs `action` after `ms` milliseconds (to take down a short-lived notification). */
  later: (ms: number, action: () => void) => void;
}

/**
 * Clipboard access from a web resource: https://developer.mozilla.org/docs/Web/API/Clipboard/writeText
 * It is refused when the page has no focus or the browser blocks it; callers then show the text instead.
 */
async function copyWithClipboard(text: string): Promise<boolean> {
  const clipboard = typeof navigator === "undefined" ? undefined : navigator.clipboard;
  if (clipboard === undefined) return false;
  try {
    await clipboard.writeText(text);
    return true;
  } catch {
    return false;
  }
}

export function browserPorts(): ClientPorts {
  return {
    webApi: Xrm.WebApi,
    navigation: Xrm.Navigation,
    copyText: copyWithClipboard,
    formatDateTime: (value) => value.toLocaleString(),
    now: () => new Date(),
    showProgress: (message) => Xrm.Utility.showProgressIndicator(message),
    closeProgress: () => Xrm.Utility.closeProgressIndicator(),
    later: (ms, action) => {
      setTimeout(action, ms);
    },
  };
}
