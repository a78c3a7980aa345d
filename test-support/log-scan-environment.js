// Jest test environments with the log scan's last step: on circus's run_finish event (after the file's last afterAll)
// they call the `finish` hook the setup file (log-scan-setup.ts) left on the test's global object, and a finding
// becomes an error of the test file (`state.unhandledErrors`, reported like a failing afterAll). At teardown they
// call `restore`, in case the run never finished. https://jestjs.io/docs/configuration#testenvironment-string
const hooksKey = Symbol.for("xero-connector.log-scan.environment-hooks");

/** @template {new (...args: any[]) => any} Base @param {Base} Base */
function withLogScan(Base) {
  return class LogScanEnvironment extends Base {
    constructor(config, context) {
      super(config, context);
      this.global[hooksKey] = {};
    }

    async handleTestEvent(event, state) {
      if (typeof super.handleTestEvent === "function") await super.handleTestEvent(event, state);
      if (event.name !== "run_finish") return;
      const error = this.global[hooksKey]?.finish?.();
      if (error !== undefined) state.unhandledErrors.push(error);
    }

    async teardown() {
      try {
        this.global?.[hooksKey]?.restore?.();
      } finally {
        await super.teardown();
      }
    }
  };
}

module.exports = { withLogScan, hooksKey };
