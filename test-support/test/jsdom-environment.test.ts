/**
 * @jest-environment ./test-support/environment-jsdom.js
 */
// A file under the jsdom environment is captured and scanned like any other (the environment's hooks are there).
import { createMemoryLogger } from "../../azure-functions/src/core/logger";
import { environmentHooksKey, type EnvironmentHooks } from "../log-scan-totals";
import { capturedLineCount } from "../log-capture";

describe("the log scan under jsdom", () => {
  it("runs with a DOM, the environment's hooks set by the setup, and a logger's lines captured", () => {
    const { document } = globalThis as { document?: { createElement?: unknown } };
    expect(typeof document?.createElement).toBe("function");
    const hooks = (globalThis as { [environmentHooksKey]?: EnvironmentHooks })[environmentHooksKey];
    expect(typeof hooks?.finish).toBe("function");
    const before = capturedLineCount();
    createMemoryLogger().info("a line from a jsdom test");
    expect(capturedLineCount() - before).toBe(1);
  });
});
