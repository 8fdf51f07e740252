/**
 * Policy documents as IAM returns them. Judging them (public, TLS only, administrator) is the rules' work, in
 * CEL with the IAM functions of src/engine/functions/iam.ts.
 *
 * IAM returns policy documents URL-encoded. */
export function decodePolicyDocument(encoded: string | undefined): unknown {
  if (!encoded) return undefined;
  try {
    return JSON.parse(decodeURIComponent(encoded));
  } catch {
    try {
      return JSON.parse(encoded);
    } catch {
      return undefined;
    }
  }
}
