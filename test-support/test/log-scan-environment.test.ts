// The environment's last step: the setup's `finish` runs on run_finish and a finding becomes an error of the file;
// `restore` runs at teardown. A stand-in base class keeps Jest's real environments out of the way.
import { withLogScan } from "../log-scan-environment.js";
import { environmentHooksKey, type EnvironmentHooks } from "../log-scan-totals";

class StandInEnvironment {
  global: Record<string | symbol, unknown> = {};
  events: string[] = [];
  torn = false;
  handleTestEvent(event: { name: string }): void {
    this.events.push(event.name);
  }
  teardown(): Promise<void> {
    this.torn = true;
    return Promise.resolve();
  }
}

const Environment = withLogScan(StandInEnvironment);

describe("the log scan's test environment", () => {
  it("fails the file with the scan's error on run_finish, after passing the event to its base", async () => {
    const environment = new Environment();
    const hooks = environment.global[environmentHooksKey] as EnvironmentHooks;
    const finding = new Error("log scan: 1 log line(s) hold a token");
    hooks.finish = () => finding;
    const state = { unhandledErrors: [] as unknown[] };
    await environment.handleTestEvent({ name: "test_done" }, state);
    expect(state.unhandledErrors).toStrictEqual([]);
    await environment.handleTestEvent({ name: "run_finish" }, state);
    expect(state.unhandledErrors).toStrictEqual([finding]);
    expect(environment.events).toStrictEqual(["test_done", "run_finish"]);
  });

  it("adds nothing when the scan is clean, and restores at teardown", async () => {
    const environment = new Environment();
    const hooks = environment.global[environmentHooksKey] as EnvironmentHooks;
    let restored = 0;
    hooks.finish = () => undefined;
    hooks.restore = () => {
      restored += 1;
    };
    const state = { unhandledErrors: [] as unknown[] };
    await environment.handleTestEvent({ name: "run_finish" }, state);
    await environment.teardown();
    expect(state.unhandledErrors).toStrictEqual([]);
    expect(restored).toBe(1);
    expect(environment.torn).toBe(true);
  });
});
