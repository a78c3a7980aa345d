// The check behind the suite-wide log scan (issue 7: "no token, secret or code appears in any log line of the whole
// test suite"): a text holds a finding when it contains a known secret value or the shape of one. Pure: text and
// secrets in, findings out; `log-capture.ts` decides what the texts are.

/** Values shorter than this are too common to look for (ids, small numbers); the same bound as the emulators'. */
export const minimumSecretLength = 8;

/** Shapes of secrets never to write, whatever their value (the redactor in azure-functions/src/core/redact.ts keeps
 * the prefix and writes `[redacted]`, which these accept). */
export const forbiddenShapes: readonly { name: string; pattern: RegExp }[] = [
  { name: "bearer token", pattern: /Bearer\s+(?!\[redacted\])[A-Za-z0-9\-._~+/=]{8,}/i },
  { name: "JSON Web Token", pattern: /\beyJ[A-Za-z0-9_-]*\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*/ },
  { name: "authorization code", pattern: /[?&\s]code=(?!\[redacted\])[^&\s"']+/i },
  { name: "refresh token", pattern: /refresh_token["']?\s*[=:]\s*["']?(?!\[redacted\])[A-Za-z0-9]/i },
  { name: "client secret", pattern: /client_secret["']?\s*[=:]\s*["']?(?!\[redacted\])[A-Za-z0-9]/i },
];

/** One regular expression for the common case (no shape at all): one pass per text instead of one per shape. */
const anyShape = new RegExp(forbiddenShapes.map(({ pattern }) => `(?:${pattern.source})`).join("|"), "i");

export interface Finding {
  /** `known secret` or the shape's name. */
  reason: string;
  /** Where the text came from (console, stdout, logger, child process …). */
  source: string;
  /** The text around the finding with every known secret and the shape itself masked: the report must not leak. */
  excerpt: string;
}

/**
 * Known secrets indexed for a sampled search: each secret of length ≥ 15 is filed under the 8 character windows that
 * end its last 15 characters (8 keys), and a text is probed only every 8th position. Any occurrence of such a secret
 * covers one probed window among those 8 (the last probe that fits inside it), so nothing is missed, at an eighth of
 * the lookups of a per-position search. Secrets of 8 to 14 characters are rare (values tests make up) and are probed
 * at every position. Keys come from the secret's end because JWTs share their first characters (the header).
 */
export interface SecretIndex {
  readonly size: number;
  /** The first known secret found in the text, or undefined. */
  find(text: string): string | undefined;
  /** The text with every known secret replaced by `[secret]`. */
  mask(text: string): string;
}

const window = 8;
const sampledMinimum = 2 * window - 1;

export function createSecretIndex(secrets: Iterable<string>): SecretIndex {
  const sampled = new Map<string, { secret: string; offset: number }[]>();
  const short = new Map<string, string[]>();
  const all = new Set<string>();
  for (const secret of secrets) {
    if (secret.length < minimumSecretLength || all.has(secret)) continue;
    all.add(secret);
    if (secret.length >= sampledMinimum) {
      for (let back = 0; back < window; back++) {
        const offset = secret.length - window - back;
        const key = secret.slice(offset, offset + window);
        const bucket = sampled.get(key);
        if (bucket === undefined) sampled.set(key, [{ secret, offset }]);
        else bucket.push({ secret, offset });
      }
    } else {
      const key = secret.slice(0, window);
      const bucket = short.get(key);
      if (bucket === undefined) short.set(key, [secret]);
      else bucket.push(secret);
    }
  }

  const find = (text: string): string | undefined => {
    if (all.size === 0 || text.length < minimumSecretLength) return undefined;
    if (sampled.size > 0) {
      for (let at = 0; at + window <= text.length; at += window) {
        const bucket = sampled.get(text.slice(at, at + window));
        if (bucket === undefined) continue;
        for (const { secret, offset } of bucket)
          if (at >= offset && text.startsWith(secret, at - offset)) return secret;
      }
    }
    if (short.size > 0) {
      for (let at = 0; at + window <= text.length; at++) {
        const bucket = short.get(text.slice(at, at + window));
        if (bucket === undefined) continue;
        for (const secret of bucket) if (text.startsWith(secret, at)) return secret;
      }
    }
    return undefined;
  };

  const mask = (text: string): string => {
    let masked = text;
    for (let found = find(masked); found !== undefined; found = find(masked))
      masked = masked.split(found).join("[secret]");
    return masked;
  };

  return { size: all.size, find, mask };
}

/** The first forbidden shape in a text. */
export function findForbiddenShape(text: string): { name: string; index: number; length: number } | undefined {
  if (!anyShape.test(text)) return undefined;
  for (const { name, pattern } of forbiddenShapes) {
    const match = pattern.exec(text);
    if (match !== null) return { name, index: match.index, length: match[0].length };
  }
  return undefined;
}

const excerptLength = 200;

function excerptAround(text: string, index: number): string {
  const start = Math.max(0, index - excerptLength / 2);
  return text.slice(start, start + excerptLength).replace(/\s+/g, " ");
}

/** What a text holds: at most one finding per text (its first), masked for the report. */
export function scanText(text: string, source: string, index: SecretIndex): Finding | undefined {
  const secret = index.find(text);
  if (secret !== undefined) {
    const masked = index.mask(text);
    return {
      reason: "known secret",
      source: index.mask(source),
      excerpt: excerptAround(masked, masked.indexOf("[secret]")),
    };
  }
  const shape = findForbiddenShape(text);
  if (shape === undefined) return undefined;
  const masked = `${text.slice(0, shape.index)}[${shape.name}]${text.slice(shape.index + shape.length)}`;
  return { reason: shape.name, source: index.mask(source), excerpt: excerptAround(masked, shape.index) };
}

/** Every finding in a list of texts. */
export function scanTexts(texts: readonly { source: string; text: string }[], secrets: Iterable<string>): Finding[] {
  const index = createSecretIndex(secrets);
  const findings: Finding[] = [];
  for (const { source, text } of texts) {
    const finding = scanText(text, source, index);
    if (finding !== undefined) findings.push(finding);
  }
  return findings;
}
