// A Jest reporter that prints how many Xero API requests and responses the whole run checked against the vendored
// Xero Accounting OpenAPI spec. Every emulator writes its counts to $XERO_VALIDATION_DIR/<pid>-<id>.json when it stops
// (sandbox/src/xero/spec/validation-totals.ts); without the variable nothing is written. The reporter points the
// variable at a folder of its own for this run before any test worker starts (workers inherit the environment), adds
// the files up when the run completes, writes dist/xero-validation/summary.json and prints one line.
const fs = require("node:fs");
const path = require("node:path");

const root = path.join(__dirname, "..", "..", "..", "dist", "xero-validation");
const keys = ["requestsValidated", "responsesValidated", "requestViolations", "responseViolations"];

class XeroValidationCountReporter {
  constructor() {
    this.dir = path.join(root, `run-${process.pid}-${Date.now()}`);
    process.env.XERO_VALIDATION_DIR = this.dir;
  }

  onRunStart() {
    fs.mkdirSync(this.dir, { recursive: true });
    // Folders left by runs that never completed (an hour old or more) are dropped.
    for (const name of fs.existsSync(root) ? fs.readdirSync(root) : []) {
      const folder = path.join(root, name);
      if (name.startsWith("run-") && folder !== this.dir && Date.now() - fs.statSync(folder).mtimeMs > 60 * 60 * 1000) {
        fs.rmSync(folder, { recursive: true, force: true });
      }
    }
  }

  onRunComplete() {
    const files = fs.existsSync(this.dir)
      ? fs.readdirSync(this.dir).filter((name) => /^\d+-[0-9a-f]+\.json$/.test(name))
      : [];
    const sum = Object.fromEntries(keys.map((key) => [key, 0]));
    for (const name of files) {
      const counts = JSON.parse(fs.readFileSync(path.join(this.dir, name), "utf8"));
      for (const key of keys) sum[key] += Number(counts[key]) || 0;
    }
    fs.rmSync(this.dir, { recursive: true, force: true });
    if (files.length === 0) return;
    fs.writeFileSync(path.join(root, "summary.json"), `${JSON.stringify({ emulators: files.length, ...sum })}\n`);
    process.stdout.write(
      `\nXero spec validation: ${sum.requestsValidated + sum.responsesValidated} checks against xero_accounting.yaml ` +
        `(${sum.requestsValidated} requests, ${sum.responsesValidated} responses, from ${files.length} emulators; ` +
        `${sum.requestViolations} requests refused as invalid, ${sum.responseViolations} invalid responses)\n`,
    );
  }
}

module.exports = XeroValidationCountReporter;
