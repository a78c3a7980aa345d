/**
 * @jest-environment node
 */
// Under a stock environment (no run_finish hook) the setup scans in an afterAll of its own instead.
import { createMemoryLogger } from "../../azure-functions/src/core/logger";
import { environmentHooksKey } from "../log-scan-totals";
import { capturedLineCount } from "../log-capture";

describe("the log scan under a stock environment", () => {
  it("still captures (the scan runs in the setup's afterAll)", () => {
    expect((globalThis as Record<symbol, unknown>)[environmentHooksKey]).toBeUndefined();
    const before = capturedLineCount();
    createMemoryLogger().info("a line from a file under a stock environment");
    expect(capturedLineCount() - before).toBe(1);
  });
});
