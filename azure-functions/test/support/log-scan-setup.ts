// Jest setupFilesAfterEnv for the service's tests (jest.config.js, project azure-functions): one log capture per test
// file, checked after its last test. See log-capture.ts.
import { installLogCapture } from "./log-capture";

const check = installLogCapture();

afterAll(() => {
  const findings = check();
  if (findings.length > 0) {
    throw new Error(
      `log scan: ${findings.length} log line(s) hold a token, secret or code:\n${findings.slice(0, 10).join("\n")}`,
    );
  }
});
