// Redaction shared by the logger and the error normaliser: exact secret values (marked once in the config schema,
// plus any registered at run time such as a freshly refreshed token) and patterns that catch secrets we never saw.

export const redactedMark = "[redacted]";

/** Keys whose values are secrets whatever they hold (compared case-insensitively, ignoring `_` and `-`). */
const secretKeys = new Set(
  [
    "authorization",
    "accesstoken",
    "refreshtoken",
    "idtoken",
    "clientsecret",
    "password",
    "secret",
    "apikey",
    "codeverifier",
    "tokenset",
    "encryptionkey",
    "signingkey",
    "accountkey",
    "sharedaccesssignature",
    "connectionstring",
    "xerosignature",
  ].map(normaliseKey),
);

function normaliseKey(key: string): string {
  return key.toLowerCase().replace(/[_-]/g, "");
}

export function isSecretKey(key: string): boolean {
  return secretKeys.has(normaliseKey(key));
}

/** Patterns for secrets in free text; each keeps its prefix so a reader still sees what was there. */
const secretPatterns: readonly { pattern: RegExp; replace: (match: string, ...groups: string[]) => string }[] = [
  // Authorization: Bearer <token> / Basic <credentials>
  { pattern: /\b(Bearer|Basic)\s+[A-Za-z0-9\-._~+/=]{8,}/gi, replace: (_match, scheme) => `${scheme} ${redactedMark}` },
  // JSON Web Tokens: three base64url parts, the header starting with '{"' encoded as eyJ.
  { pattern: /\beyJ[A-Za-z0-9_-]*\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*/g, replace: () => redactedMark },
  // An OAuth authorization code or state in a query string or form body: code=…
  { pattern: /([?&\s]|^)(code|state)=[^&\s"']+/gi, replace: (_match, lead, name) => `${lead}${name}=${redactedMark}` },
  // Token-like names followed by = or : in query strings, form bodies, JSON text and connection strings.
  {
    pattern:
      /\b(refresh_token|access_token|id_token|client_secret|code_verifier|password|sig|AccountKey|SharedAccessSignature|clientSecret|refreshToken|accessToken)(["']?\s*[=:]\s*["']?)[^&\s"',;]+/gi,
    replace: (_match, name, separator) => `${name}${separator}${redactedMark}`,
  },
];

function applyPatterns(text: string): string {
  let result = text;
  for (const { pattern, replace } of secretPatterns) {
    result = result.replace(pattern, replace as (match: string, ...groups: unknown[]) => string);
  }
  return result;
}

export interface Redactor {
  /** Adds values to hide from now on (e.g. a token just obtained). Values shorter than 8 characters are ignored. */
  addSecrets(values: Iterable<string>): void;
  redactText(text: string): string;
  /** A deep copy with secrets removed: secret keys blanked, strings redacted, cycles cut. */
  redactValue(value: unknown): unknown;
}

const minimumSecretLength = 8;

export function createRedactor(initialSecrets: Iterable<string> = []): Redactor {
  const secrets = new Set<string>();
  const addSecrets = (values: Iterable<string>): void => {
    for (const value of values) if (value.length >= minimumSecretLength) secrets.add(value);
  };
  addSecrets(initialSecrets);

  const redactText = (text: string): string => {
    let result = text;
    // Longest first so a secret containing another is removed whole.
    for (const secret of [...secrets].sort((a, b) => b.length - a.length)) {
      if (result.includes(secret)) result = result.split(secret).join(redactedMark);
    }
    return applyPatterns(result);
  };

  const redactValue = (value: unknown, seen = new WeakSet<object>()): unknown => {
    if (typeof value === "string") return redactText(value);
    if (value === null || typeof value !== "object") return value;
    if (seen.has(value)) return "[circular]";
    seen.add(value);
    if (value instanceof Date) return value.toISOString();
    if (value instanceof Error) {
      return { name: value.name, message: redactText(value.message) };
    }
    if (Array.isArray(value)) return value.map((item) => redactValue(item, seen));
    const copy: Record<string, unknown> = {};
    for (const [key, item] of Object.entries(value)) {
      copy[key] = isSecretKey(key) && item !== null && item !== undefined ? redactedMark : redactValue(item, seen);
    }
    return copy;
  };

  return { addSecrets, redactText, redactValue: (value) => redactValue(value) };
}
