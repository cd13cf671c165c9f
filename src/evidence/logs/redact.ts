/**
 * Removes secrets and tokens from log text before anything leaves the logs module: to the model,
 * the chat, our own logs. Each rule replaces the secret with a marker naming what was there, so the
 * line still reads ("Authorization: Bearer [token]"). Ordered most specific first.
 */
const rules: [RegExp, string][] = [
  // PEM private keys, whole block.
  [/-----BEGIN [A-Z ]*PRIVATE KEY-----[\s\S]*?(-----END [A-Z ]*PRIVATE KEY-----|$)/g, '[private key]'],
  // JWTs: three base64url parts, the first a JSON header ("eyJ").
  [/\beyJ[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]*/g, '[jwt]'],
  // Slack tokens and webhooks.
  [/\bxox[abposr]-[A-Za-z0-9-]{8,}/g, '[slack token]'],
  [/https:\/\/hooks\.slack\.com\/services\/[A-Za-z0-9/_-]+/g, '[slack webhook]'],
  // AWS access key ids, and secret keys where they are named.
  [/\b(AKIA|ASIA|AGPA|AIDA|AROA|ANPA|ANVA|AIPA)[A-Z0-9]{16}\b/g, '[aws key id]'],
  [/(aws_?secret_?access_?key|secretAccessKey|aws_?session_?token|sessionToken)(["']?\s*[:=]\s*["']?)[A-Za-z0-9/+=]{16,}/gi, '$1$2[secret]'],
  // GitHub, Google API and Stripe-style keys.
  [/\bgh[pousr]_[A-Za-z0-9]{20,}/g, '[github token]'],
  [/\bAIza[0-9A-Za-z_-]{35}/g, '[google api key]'],
  [/\b[sr]k_(live|test)_[A-Za-z0-9]{10,}/g, '[api key]'],
  // Authorization headers: Bearer / Basic / token schemes.
  [/\b(Bearer|Basic|Token)\s+[A-Za-z0-9._~+/=-]{8,}/gi, '$1 [token]'],
  // Credentials in URLs: scheme://user:password@host.
  [/\b([a-z][a-z0-9+.-]*:\/\/[^\s:/@]*):[^\s@/]+@/gi, '$1:[password]@'],
  // Connection strings (Azure storage/service bus, SQL): AccountKey=…, SharedAccessKey=…, Password=…
  // and key=value / key: value pairs whose key names a secret.
  [/\b([A-Za-z0-9_.-]*(password|passwd|pwd|secret|token|api[_-]?key|apikey|access[_-]?key|accountkey|sharedaccesskey|credential|private[_-]?key|client[_-]?secret|auth)[A-Za-z0-9_.-]*)(["']?\s*[:=]\s*)(?!(?:Bearer|Basic|Token) \[token\])("[^"]*"|'[^']*'|[^\s,;&"'}]+)/gi, '$1$3[redacted]'],
  // Query-string signatures (SAS tokens, presigned URLs).
  [/\b(sig|signature|X-Amz-Signature|X-Amz-Credential|X-Amz-Security-Token)=[^&\s"']+/gi, '$1=[redacted]'],
];

export function redact(text: string): string {
  let out = text;
  for (const [pattern, replacement] of rules) out = out.replace(pattern, replacement);
  return out;
}
