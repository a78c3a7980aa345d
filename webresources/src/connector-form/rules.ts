// The Xero Connector form's banner as a pure function of the connector row and the time.
import { mag_xerostatus } from "../generated/dataverse";
import type { Notice } from "../shared/notice";

export const noticeIds = {
  connection: "mag_xero_connection",
  grant: "mag_xero_grant",
  calls: "mag_xero_calls",
  lastSync: "mag_xero_lastsync",
  lastError: "mag_xero_lasterror",
  enabled: "mag_xero_enabled",
  isDefault: "mag_xero_isdefault",
} as const;

/** Every banner id, so a refresh clears what no longer applies. */
export const bannerIds: readonly string[] = [
  noticeIds.connection,
  noticeIds.grant,
  noticeIds.calls,
  noticeIds.lastSync,
  noticeIds.lastError,
  noticeIds.enabled,
];

/** Warn this many days before the Xero grant (the refresh token's 60-day life) runs out. */
export const grantWarningDays = 14;
/** Below this many calls left today, syncs may start waiting for Xero's daily limit. */
export const lowCallsThreshold = 200;
/**
 * The timed flows run at least every 15 minutes; twice that without a sync means the service cannot reach Dynamics
 * (the reference docs: "If the Last Synched On hasn't updated in at least 15 minutes … credentials are no longer valid").
 */
export const staleSyncMinutes = 30;

export interface ConnectorState {
  enabled: boolean | null;
  organisationName: string | null;
  status: number | null;
  statusReason: string | null;
  grantExpiresOn: Date | null;
  callsRemainingToday: number | null;
  lastSynchedOn: Date | null;
  lastError: string | null;
}

const dayMs = 24 * 60 * 60 * 1000;

/**
 * The notifications across the top of the connector form: connection, grant expiry, Xero's daily call budget, last
 * sync and last error. Xero's limits: https://developer.xero.com/documentation/guides/oauth2/limits/
 */
export function toConnectorBanner(state: ConnectorState, now: Date, formatDateTime: (value: Date) => string): Notice[] {
  const notices: Notice[] = [];
  const organisation = state.organisationName === null ? "Xero" : `the Xero organisation "${state.organisationName}"`;
  const lastSynched = state.lastSynchedOn === null ? "never" : formatDateTime(state.lastSynchedOn);
  const calls = state.callsRemainingToday === null ? "" : ` Xero calls left today: ${String(state.callsRemainingToday)}.`;

  if (state.enabled === false) {
    notices.push({
      id: noticeIds.enabled,
      level: "WARNING",
      message: "This connector is disabled: nothing syncs until Enabled is set to Yes.",
    });
  }

  switch (state.status) {
    case mag_xerostatus.Connected:
      notices.push({
        id: noticeIds.connection,
        level: "INFO",
        message: `Connected to ${organisation}. Last synched on: ${lastSynched}.${calls}`,
      });
      break;
    case mag_xerostatus.Disconnected:
      notices.push({
        id: noticeIds.connection,
        level: "ERROR",
        message:
          `Disconnected from ${organisation}: ${state.statusReason ?? "no reason was given"}. Nothing syncs until ` +
          "Xero is reauthorised: ask support for a reauthorisation link.",
      });
      break;
    default:
      notices.push({
        id: noticeIds.connection,
        level: "WARNING",
        message: "Not connected to Xero yet. Complete the authorisation link you were sent to start syncing.",
      });
  }

  const connected = state.status === mag_xerostatus.Connected;
  if (connected && state.grantExpiresOn !== null) {
    const daysLeft = Math.floor((state.grantExpiresOn.getTime() - now.getTime()) / dayMs);
    const expires = formatDateTime(state.grantExpiresOn);
    if (daysLeft < 0) {
      notices.push({
        id: noticeIds.grant,
        level: "ERROR",
        message: `The Xero authorisation expired on ${expires}. Ask support for a reauthorisation link.`,
      });
    } else if (daysLeft < grantWarningDays) {
      notices.push({
        id: noticeIds.grant,
        level: "WARNING",
        message:
          `The Xero authorisation expires on ${expires} (${daysLeft === 0 ? "today" : `in ${plural(daysLeft, "day")}`}). ` +
          "It renews by itself while the connector syncs; if it does not, ask support for a reauthorisation link.",
      });
    }
  }

  if (connected && state.callsRemainingToday !== null && state.callsRemainingToday < lowCallsThreshold) {
    notices.push({
      id: noticeIds.calls,
      level: "WARNING",
      message:
        `Only ${plural(state.callsRemainingToday, "Xero call")} left today. Syncs wait when Xero's daily limit ` +
        "is reached and carry on when it frees up.",
    });
  }

  if (connected && state.enabled !== false) {
    const minutesSince =
      state.lastSynchedOn === null ? null : (now.getTime() - state.lastSynchedOn.getTime()) / (60 * 1000);
    if (minutesSince !== null && minutesSince > staleSyncMinutes) {
      notices.push({
        id: noticeIds.lastSync,
        level: "WARNING",
        message:
          `No sync since ${lastSynched}. The service may no longer be able to sign in to Dynamics 365: ask ` +
          "support for a link to update its credentials.",
      });
    }
  }

  if (state.lastError !== null) {
    // While connected, the last error is history (syncs go on); otherwise it is likely why nothing syncs.
    notices.push({ id: noticeIds.lastError, level: connected ? "WARNING" : "ERROR", message: `Last error: ${state.lastError}` });
  }
  return notices;
}

export interface OtherDefault {
  id: string;
  name: string;
}

export type DefaultChange =
  | { action: "none" }
  | { action: "confirm-switch"; others: OtherDefault[]; title: string; text: string; keptNotice: Notice };

/**
 * What to do when *Default Connector* changes. Only one connector may be the default (invoices without a connector go
 * to it), so setting Yes while another is the default asks to move the default here, naming the connector that loses
 * it, rather than refusing and sending the admin off to edit the other record first.
 */
export function decideDefaultChange(isDefault: boolean | null, thisName: string, others: readonly OtherDefault[]): DefaultChange {
  if (isDefault !== true || others.length === 0) return { action: "none" };
  const names = others.map((other) => `"${other.name}"`).join(", ");
  const self = thisName.trim() === "" ? "this connector" : `"${thisName.trim()}"`;
  return {
    action: "confirm-switch",
    others: [...others],
    title: "Change the default Xero connector?",
    text:
      `${names} ${others.length === 1 ? "is" : "are"} the default connector now. Make ${self} the default instead? ` +
      `Invoices that name no connector will then sync to ${self}. The change is saved at once.`,
    keptNotice: {
      id: noticeIds.isDefault,
      level: "INFO",
      message: `${names} stays the default connector; Default Connector was set back to No.`,
    },
  };
}

function plural(count: number, noun: string): string {
  return `${String(count)} ${noun}${count === 1 ? "" : "s"}`;
}
