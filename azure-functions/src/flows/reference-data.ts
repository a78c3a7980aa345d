// Reference data, run before the flows that need it: Xero's account codes, tax rates, branding themes and tracking
// categories with their options into Dynamics 365 (matched on name, per connector), and Dynamics 365 products into
// Xero as items (matched on product number). The scheduler runs it when due (hourly at most); a push whose codes Xero
// rejected asks for it at once. Accounts are read with If-Modified-Since (the only one of the four that supports it).
import { toSyncError } from "../core/errors";
import { toIdempotencyKey } from "../adapters/xero/idempotency";
import { xeroBatchSize, type XeroPort } from "../adapters/xero/port";
import type { XeroItemRequest } from "../adapters/xero/schemas";
import { toItem, toXeroItemRequest } from "../mapping/convert";
import { fromXero } from "../mapping/engine";
import {
  accountCodeFromXero,
  brandingThemeFromXero,
  taxRateFromXero,
  trackingCategoryFromXero,
} from "../mapping/reference-data";
import { AccountCode, BrandingTheme, TaxRate, TrackingCategory } from "../model";
import { chunk, createRetrying, type Retrying } from "./batching";
import type { FlowDependencies, ReferenceData, RunScope } from "./ports";
import { summariseRun, type FlowReport } from "./run-report";

export interface ReferenceDataDependencies extends FlowDependencies {
  xero: XeroPort;
}

export class ReferenceDataFlow {
  private readonly retrying: Retrying;

  constructor(private readonly deps: ReferenceDataDependencies) {
    this.retrying = createRetrying(deps);
  }

  async run(scope: RunScope): Promise<FlowReport> {
    const { store, clock } = this.deps;
    try {
      const data = await this.readFromXero(scope.lastRunOn);
      const written = await store.saveReferenceData(scope.connectorId, data);
      const items = await this.pushProducts(scope.lastRunOn);
      const run = summariseRun(scope.flow, written + items.synced, items.failed, clock);
      await store.commit({
        scope,
        records: [],
        customers: [],
        logs: [],
        run,
        connector: { lastSynchedOn: new Date(clock.now()) },
      });
      return { result: run, followUps: [] };
    } catch (thrown) {
      const error = toSyncError(thrown, "xero");
      if (error.kind !== "auth") throw error;
      const run = { ...summariseRun(scope.flow, 0, 0, clock), result: "Failed" as const, message: error.message };
      await store.commit({
        scope,
        records: [],
        customers: [],
        logs: [],
        run,
        connector: { lastSynchedOn: new Date(clock.now()), disconnected: { reason: error.message } },
      });
      return { result: run, followUps: [] };
    }
  }

  /** Four calls: accounts (changes only after the first run), tax rates, branding themes, tracking categories. */
  async readFromXero(since: Date | undefined): Promise<ReferenceData> {
    const { xero } = this.deps;
    const accounts = await this.retrying(() => xero.getAccounts(since));
    const taxRates = await this.retrying(() => xero.getTaxRates());
    const themes = await this.retrying(() => xero.getBrandingThemes());
    const categories = await this.retrying(() => xero.getTrackingCategories());
    return {
      accountCodes: accounts.map((account) => AccountCode.parse(fromXero(accountCodeFromXero, account))),
      accountCodesComplete: since === undefined,
      taxRates: taxRates.map((rate) => TaxRate.parse(fromXero(taxRateFromXero, rate))),
      brandingThemes: themes.map((theme) => BrandingTheme.parse(fromXero(brandingThemeFromXero, theme))),
      trackingCategories: categories.map((category) =>
        TrackingCategory.parse(fromXero(trackingCategoryFromXero, category)),
      ),
    };
  }

  /** Products modified since the last run → Xero items: look the codes up (one call per 50), then create or update. */
  async pushProducts(since: Date | undefined): Promise<{ synced: number; failed: number }> {
    const { store, xero, logger } = this.deps;
    const rows = await store.selectProducts(since, 1000);
    const items = rows.flatMap((row) => {
      try {
        return [toItem(row)];
      } catch (thrown) {
        logger.warn("a product cannot become a Xero item", { error: toSyncError(thrown), productId: row["productid"] });
        return [];
      }
    });
    let synced = 0;
    let failed = 0;
    for (const batch of chunk(items, xeroBatchSize)) {
      const existing = await this.retrying(() => xero.getItems(batch.map((item) => item.code)));
      const ids = new Map(
        existing.flatMap((item) =>
          item.ItemID === undefined ? [] : [[item.Code.toLowerCase(), item.ItemID] as const],
        ),
      );
      const requests: XeroItemRequest[] = batch.map((item) => {
        const itemId = ids.get(item.code.toLowerCase());
        return toXeroItemRequest(itemId === undefined ? item : { ...item, xeroItemId: itemId });
      });
      const key = toIdempotencyKey(
        "items",
        batch.map((item) => ({ id: item.dynamicsId ?? item.code, attempt: 0 })),
        requests,
      );
      const answers = await this.retrying(() => xero.saveItems(requests, key));
      for (const answer of answers) {
        if (answer.ok) synced += 1;
        else {
          failed += 1;
          logger.warn("Xero rejected an item", { code: answer.value?.Code, errors: answer.errors });
        }
      }
    }
    return { synced, failed };
  }
}
