// Debian's Chromium under playwright-core for the browser tests: installed by scripts/ensure-chromium.ts when absent,
// launched headless with a fresh profile each time, screenshots written under dist/screenshots/ (git ignores dist).
import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { chromium, type BrowserContext, type Page } from "playwright-core";
import { chromiumArgs, ensureChromium } from "../../../scripts/ensure-chromium";

export const screenshotsDir = join(__dirname, "..", "..", "..", "dist", "screenshots");

export interface TestBrowser {
  context: BrowserContext;
  page: Page;
  /** Saves a full-page screenshot as dist/screenshots/<name>.png. */
  screenshot(name: string): Promise<string>;
  close(): Promise<void>;
}

export async function launchTestBrowser(): Promise<TestBrowser> {
  const executablePath = ensureChromium((line) => process.stderr.write(`${line}\n`));
  const profile = mkdtempSync(join(tmpdir(), "xc-chromium-"));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath,
    headless: true,
    args: [...chromiumArgs],
    viewport: { width: 1000, height: 820 },
  });
  const page = context.pages()[0] ?? (await context.newPage());
  mkdirSync(screenshotsDir, { recursive: true });
  return {
    context,
    page,
    async screenshot(name) {
      const path = join(screenshotsDir, `${name}.png`);
      await page.screenshot({ path, fullPage: true });
      return path;
    },
    async close() {
      await context.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}
