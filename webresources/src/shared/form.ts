import type { Notice } from "./notice";
import { toGuid } from "./odata";

// Thin helpers over the form context. Client API reference:
// https://learn.microsoft.com/power-apps/developer/model-driven-apps/clientapi/reference/formcontext-data-entity

export function readBoolean(form: Xrm.FormContext, column: string): boolean | null {
  const value: unknown = form.getAttribute(column)?.getValue();
  return typeof value === "boolean" ? value : null;
}

export function readNumber(form: Xrm.FormContext, column: string): number | null {
  const value: unknown = form.getAttribute(column)?.getValue();
  return typeof value === "number" ? value : null;
}

export function readText(form: Xrm.FormContext, column: string): string | null {
  const value: unknown = form.getAttribute(column)?.getValue();
  return typeof value === "string" && value.trim() !== "" ? value : null;
}

export function readDate(form: Xrm.FormContext, column: string): Date | null {
  const value: unknown = form.getAttribute(column)?.getValue();
  return value instanceof Date && !Number.isNaN(value.getTime()) ? value : null;
}

/** The first record a lookup on the form points to, id without braces. */
export function readLookup(form: Xrm.FormContext, column: string): { id: string; name: string } | null {
  const value: unknown = form.getAttribute(column)?.getValue();
  if (!Array.isArray(value)) return null;
  const first = value[0] as Xrm.LookupValue | undefined;
  const id = toGuid(first?.id);
  return id === undefined ? null : { id, name: first?.name ?? "" };
}

/** The record's id, or undefined while the record is new and unsaved. */
export function readRecordId(form: Xrm.FormContext): string | undefined {
  return toGuid(form.data.entity.getId());
}

/**
 * Makes every control of each column read-only (body, header, business process flow). Columns absent from the
 * form are skipped: a customer's form may leave some out.
 * https://learn.microsoft.com/power-apps/developer/model-driven-apps/clientapi/reference/controls/setdisabled
 */
export function lockColumns(form: Xrm.FormContext, columns: readonly string[]): void {
  for (const column of columns) {
    form.getAttribute(column)?.controls.forEach((control) => {
      control.setDisabled(true);
    });
  }
}

export function setColumnDisabled(form: Xrm.FormContext, column: string, disabled: boolean): void {
  form.getAttribute(column)?.controls.forEach((control) => {
    control.setDisabled(disabled);
  });
}

/**
 * Shows a notice as a form-level notification, replacing one with the same id.
 * https://learn.microsoft.com/power-apps/developer/model-driven-apps/clientapi/reference/formcontext-ui/setformnotification
 */
export function showNotice(form: Xrm.FormContext, notice: Notice): void {
  form.ui.clearFormNotification(notice.id);
  form.ui.setFormNotification(notice.message, notice.level, notice.id);
}

export function clearNotice(form: Xrm.FormContext, id: string): void {
  form.ui.clearFormNotification(id);
}

/** Replaces a group of notices: every id in `ids` is cleared, then each notice shown. */
export function showNotices(form: Xrm.FormContext, ids: readonly string[], notices: readonly Notice[]): void {
  for (const id of ids) form.ui.clearFormNotification(id);
  for (const notice of notices) form.ui.setFormNotification(notice.message, notice.level, notice.id);
}
