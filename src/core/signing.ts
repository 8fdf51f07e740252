import { createPrivateKey, createPublicKey, generateKeyPairSync, sign, verify } from "node:crypto";
import { canonicalJson } from "./canonical.js";
import type { ReportSignature, ScanReport } from "./report.js";

/**
 * Agents sign each report with their own Ed25519 key; the store checks the signature against the public key
 * the agent registered at enrolment. The signature covers the canonical JSON of the report without its
 * `signature` member, so it survives any re-serialisation.
 */
export interface SigningKeyPair {
  /** PKCS#8 PEM. */
  privateKeyPem: string;
  /** SPKI PEM. */
  publicKeyPem: string;
}

export function generateSigningKeyPair(): SigningKeyPair {
  const { privateKey, publicKey } = generateKeyPairSync("ed25519");
  return {
    privateKeyPem: privateKey.export({ type: "pkcs8", format: "pem" }).toString(),
    publicKeyPem: publicKey.export({ type: "spki", format: "pem" }).toString(),
  };
}

export function signedPayload(report: ScanReport): string {
  const { signature: _ignored, ...unsigned } = report;
  return canonicalJson(unsigned);
}

export function signReport(report: ScanReport, privateKeyPem: string, keyId: string): ScanReport {
  const value = sign(null, Buffer.from(signedPayload(report)), createPrivateKey(privateKeyPem)).toString(
    "base64",
  );
  const signature: ReportSignature = { algorithm: "ed25519", keyId, value };
  return { ...report, signature };
}

/** True when the report carries a valid Ed25519 signature by the given public key. */
export function verifyReportSignature(report: ScanReport, publicKeyPem: string): boolean {
  if (report.signature?.algorithm !== "ed25519") return false;
  try {
    return verify(
      null,
      Buffer.from(signedPayload(report)),
      createPublicKey(publicKeyPem),
      Buffer.from(report.signature.value, "base64"),
    );
  } catch {
    return false;
  }
}
