import { createHash, randomUUID } from "node:crypto";
import { EmuError, type EmuOperation, type EmuReply, type EmuRequest, xmlReply } from "./protocol.js";
import { bucket, type EmuAccount, type EmuBucket } from "./state.js";
import { escapeXml } from "./xml.js";

/**
 * S3 objects with versioning and Object Lock, as the store's checkpoint witness uses them: CreateBucket (with
 * `x-amz-bucket-object-lock-enabled`), PutObject (with `x-amz-object-lock-mode` / `-retain-until-date`),
 * GetObject, ListObjectsV2, ListObjectVersions, DeleteObject, Get/PutObjectRetention. Path-style requests.
 *
 * Object Lock is enforced as the S3 User Guide documents it
 * (https://docs.aws.amazon.com/AmazonS3/latest/userguide/object-lock.html, "Retention modes" and "How deletes
 * work with S3 Object Lock"):
 * - Object Lock works only in versioned buckets; a bucket created with Object Lock has versioning enabled.
 * - A PUT of an existing key never replaces a version: it adds a new one, and the locked version stays.
 * - A DELETE without a version id adds a delete marker (allowed under a lock); a DELETE of a locked version
 *   before its retain-until date is refused with 403 AccessDenied. In COMPLIANCE mode nobody can, and the
 *   retention can be neither shortened nor switched to GOVERNANCE (PutObjectRetention → 403 AccessDenied);
 *   GOVERNANCE is bypassed only with `x-amz-bypass-governance-retention: true`.
 * - PutObject with Object Lock parameters needs a Content-MD5 or an x-amz-checksum-* header
 *   (https://docs.aws.amazon.com/AmazonS3/latest/API/API_PutObject.html), and a bucket without Object Lock
 *   refuses them (InvalidRequest).
 */

const NS = "http://s3.amazonaws.com/doc/2006-03-01/";

interface ObjectVersion {
  versionId: string;
  body: Buffer;
  etag: string;
  lastModified: string;
  deleteMarker: boolean;
  lock?: { mode: "GOVERNANCE" | "COMPLIANCE"; retainUntil: string };
}

interface BucketObjects {
  lockEnabled: boolean;
  /** Versions per key, oldest first. */
  versions: Map<string, ObjectVersion[]>;
}

const objectsOf = new WeakMap<EmuBucket, BucketObjects>();

function state(b: EmuBucket): BucketObjects {
  let s = objectsOf.get(b);
  if (!s) {
    s = { lockEnabled: false, versions: new Map() };
    objectsOf.set(b, s);
  }
  return s;
}

/** The emulator's clock for retention (tests move it to after a retain-until date). */
export const s3Clock = { now: () => Date.now() };

/** The requests this module answers, or undefined for the bucket-configuration reads of s3.ts. */
export function objectOperation(req: EmuRequest, account: EmuAccount): EmuOperation | undefined {
  // S3 Control (account Public Access Block) is answered by s3.ts.
  if (req.path.startsWith("/v20180820/")) return undefined;
  const segments = req.path.split("/").filter(Boolean);
  if (segments.length === 0) return undefined;
  const name = decodeURIComponent(segments[0]!);
  const key = segments.length > 1 ? decodeURIComponent(req.path.slice(req.path.indexOf("/", 1) + 1)) : "";
  const find = () => {
    const found = account.buckets.find((b) => b.name === name);
    if (!found) throw new EmuError("NoSuchBucket", 404, "The specified bucket does not exist");
    return found;
  };
  if (!key) {
    if (req.method === "PUT" && [...req.query.keys()].length === 0) {
      return { action: "s3:CreateBucket", run: () => createBucket(req, account, name) };
    }
    if (req.method === "GET" && req.query.get("list-type") === "2") {
      return { action: "s3:ListBucket", run: () => listObjects(req, find()) };
    }
    if (req.method === "GET" && req.query.has("versions")) {
      return { action: "s3:ListBucketVersions", run: () => listVersions(req, find()) };
    }
    if (req.method === "GET") return undefined;
    throw new EmuError("NotImplemented", 501, `${req.method} ${req.path} is not emulated`);
  }
  const versionId = req.query.get("versionId") ?? undefined;
  if (req.query.has("retention")) {
    if (req.method === "PUT")
      return { action: "s3:PutObjectRetention", run: () => putRetention(req, find(), key, versionId) };
    if (req.method === "GET")
      return { action: "s3:GetObjectRetention", run: () => getRetention(find(), key, versionId) };
  }
  if (req.method === "PUT") return { action: "s3:PutObject", run: () => putObject(req, find(), key) };
  if (req.method === "GET") return { action: "s3:GetObject", run: () => getObject(find(), key, versionId) };
  if (req.method === "DELETE") {
    return {
      action: versionId ? "s3:DeleteObjectVersion" : "s3:DeleteObject",
      run: () => deleteObject(req, find(), key, versionId),
    };
  }
  throw new EmuError("NotImplemented", 501, `${req.method} ${req.path} is not emulated`);
}

function createBucket(req: EmuRequest, account: EmuAccount, name: string): EmuReply {
  if (account.buckets.some((b) => b.name === name)) {
    throw new EmuError(
      "BucketAlreadyOwnedByYou",
      409,
      "Your previous request to create the named bucket succeeded and you already own it.",
    );
  }
  const lock = String(req.headers["x-amz-bucket-object-lock-enabled"] ?? "").toLowerCase() === "true";
  // A bucket created with Object Lock has versioning enabled, and it cannot be suspended.
  const created = bucket(name, {
    region: req.region,
    createdAt: new Date(s3Clock.now()).toISOString(),
    versioning: { status: lock ? "Enabled" : null, mfaDelete: false },
  });
  account.buckets.push(created);
  state(created).lockEnabled = lock;
  return { contentType: "application/xml", body: "", headers: { location: `/${name}` } };
}

function putObject(req: EmuRequest, b: EmuBucket, key: string): EmuReply {
  const s = state(b);
  const mode = header(req, "x-amz-object-lock-mode");
  const until = header(req, "x-amz-object-lock-retain-until-date");
  let lock: ObjectVersion["lock"];
  if (mode !== undefined || until !== undefined) {
    if (!s.lockEnabled)
      throw new EmuError("InvalidRequest", 400, "Bucket is missing Object Lock Configuration");
    const checksummed =
      header(req, "content-md5") !== undefined ||
      Object.keys(req.headers).some((h) => h.startsWith("x-amz-checksum-")) ||
      header(req, "x-amz-sdk-checksum-algorithm") !== undefined;
    if (!checksummed) {
      throw new EmuError(
        "InvalidRequest",
        400,
        "Content-MD5 OR x-amz-checksum- HTTP header is required for Put Object requests with Object Lock parameters",
      );
    }
    if (mode !== "GOVERNANCE" && mode !== "COMPLIANCE") {
      throw new EmuError("InvalidArgument", 400, "Unknown wormMode directive.");
    }
    if (until === undefined || Number.isNaN(Date.parse(until))) {
      throw new EmuError(
        "InvalidArgument",
        400,
        "x-amz-object-lock-retain-until-date must be given with a mode",
      );
    }
    if (Date.parse(until) <= s3Clock.now()) {
      throw new EmuError("InvalidArgument", 400, "The retain until date must be in the future!");
    }
    lock = { mode, retainUntil: new Date(Date.parse(until)).toISOString() };
  }
  const body = decodeBody(req);
  const version: ObjectVersion = {
    versionId: b.versioning.status === "Enabled" ? randomUUID().replaceAll("-", "") : "null",
    body,
    etag: `"${createHash("md5").update(body).digest("hex")}"`,
    lastModified: new Date(s3Clock.now()).toISOString(),
    deleteMarker: false,
    ...(lock ? { lock } : {}),
  };
  addVersion(s, key, version);
  return {
    contentType: "application/xml",
    body: "",
    headers: {
      etag: version.etag,
      ...(version.versionId !== "null" ? { "x-amz-version-id": version.versionId } : {}),
    },
  };
}

function getObject(b: EmuBucket, key: string, versionId: string | undefined): EmuReply {
  const version = pick(state(b), key, versionId);
  if (version.deleteMarker) throw new EmuError("NoSuchKey", 404, "The specified key does not exist.");
  return {
    contentType: "application/octet-stream",
    body: version.body.toString("utf8"),
    headers: {
      etag: version.etag,
      "last-modified": new Date(version.lastModified).toUTCString(),
      "x-amz-version-id": version.versionId,
      ...(version.lock
        ? {
            "x-amz-object-lock-mode": version.lock.mode,
            "x-amz-object-lock-retain-until-date": version.lock.retainUntil,
          }
        : {}),
    },
  };
}

function deleteObject(req: EmuRequest, b: EmuBucket, key: string, versionId: string | undefined): EmuReply {
  const s = state(b);
  if (!versionId) {
    if (b.versioning.status === "Enabled") {
      // A simple DELETE in a versioned bucket only adds a delete marker: no version is removed.
      const marker: ObjectVersion = {
        versionId: randomUUID().replaceAll("-", ""),
        body: Buffer.alloc(0),
        etag: "",
        lastModified: new Date(s3Clock.now()).toISOString(),
        deleteMarker: true,
      };
      addVersion(s, key, marker);
      return {
        status: 204,
        contentType: "application/xml",
        body: "",
        headers: { "x-amz-delete-marker": "true", "x-amz-version-id": marker.versionId },
      };
    }
    s.versions.delete(key);
    return { status: 204, contentType: "application/xml", body: "" };
  }
  const versions = s.versions.get(key) ?? [];
  const index = versions.findIndex((v) => v.versionId === versionId);
  if (index < 0) return { status: 204, contentType: "application/xml", body: "" };
  const version = versions[index]!;
  if (locked(version, req)) {
    throw new EmuError("AccessDenied", 403, "Access Denied because object protected by object lock.");
  }
  versions.splice(index, 1);
  return {
    status: 204,
    contentType: "application/xml",
    body: "",
    headers: {
      "x-amz-version-id": versionId,
      ...(version.deleteMarker ? { "x-amz-delete-marker": "true" } : {}),
    },
  };
}

function putRetention(req: EmuRequest, b: EmuBucket, key: string, versionId: string | undefined): EmuReply {
  const version = pick(state(b), key, versionId);
  const text = req.body.toString("utf8");
  const mode = /<Mode>([^<]+)<\/Mode>/u.exec(text)?.[1];
  const until = /<RetainUntilDate>([^<]+)<\/RetainUntilDate>/u.exec(text)?.[1];
  if ((mode !== "GOVERNANCE" && mode !== "COMPLIANCE") || !until || Number.isNaN(Date.parse(until))) {
    throw new EmuError(
      "MalformedXML",
      400,
      "The XML you provided was not well-formed or did not validate against our published schema",
    );
  }
  const current = version.lock;
  if (current && Date.parse(current.retainUntil) > s3Clock.now()) {
    const shortens = Date.parse(until) < Date.parse(current.retainUntil);
    const weakens = current.mode === "COMPLIANCE" && mode !== "COMPLIANCE";
    if (current.mode === "COMPLIANCE" && (shortens || weakens)) {
      throw new EmuError("AccessDenied", 403, "Access Denied because object protected by object lock.");
    }
    if (current.mode === "GOVERNANCE" && (shortens || mode !== "GOVERNANCE") && !bypass(req)) {
      throw new EmuError("AccessDenied", 403, "Access Denied because object protected by object lock.");
    }
  }
  version.lock = { mode, retainUntil: new Date(Date.parse(until)).toISOString() };
  return { contentType: "application/xml", body: "" };
}

function getRetention(b: EmuBucket, key: string, versionId: string | undefined): EmuReply {
  const version = pick(state(b), key, versionId);
  if (!version.lock) {
    throw new EmuError(
      "NoSuchObjectLockConfiguration",
      404,
      "The specified object does not have a ObjectLock configuration",
    );
  }
  return xmlReply(
    `<Retention xmlns="${NS}"><Mode>${version.lock.mode}</Mode><RetainUntilDate>${version.lock.retainUntil}</RetainUntilDate></Retention>`,
  );
}

function listObjects(req: EmuRequest, b: EmuBucket): EmuReply {
  const prefix = req.query.get("prefix") ?? "";
  const max = Math.min(Number(req.query.get("max-keys") ?? 1000) || 1000, 1000);
  const after = req.query.get("continuation-token") ?? req.query.get("start-after") ?? "";
  const keys = [...state(b).versions.entries()]
    .filter(([k, v]) => k.startsWith(prefix) && k > after && !v[v.length - 1]!.deleteMarker)
    .sort(([a], [c]) => (a < c ? -1 : a > c ? 1 : 0));
  const page = keys.slice(0, max);
  const truncated = keys.length > max;
  const contents = page
    .map(([k, v]) => {
      const latest = v[v.length - 1]!;
      return `<Contents><Key>${escapeXml(k)}</Key><LastModified>${latest.lastModified}</LastModified><ETag>${escapeXml(latest.etag)}</ETag><Size>${latest.body.length}</Size><StorageClass>STANDARD</StorageClass></Contents>`;
    })
    .join("");
  return xmlReply(
    `<ListBucketResult xmlns="${NS}"><Name>${escapeXml(b.name)}</Name><Prefix>${escapeXml(prefix)}</Prefix><KeyCount>${page.length}</KeyCount><MaxKeys>${max}</MaxKeys><IsTruncated>${truncated}</IsTruncated>${contents}${truncated ? `<NextContinuationToken>${escapeXml(page[page.length - 1]![0])}</NextContinuationToken>` : ""}</ListBucketResult>`,
  );
}

function listVersions(req: EmuRequest, b: EmuBucket): EmuReply {
  const prefix = req.query.get("prefix") ?? "";
  const items = [...state(b).versions.entries()]
    .filter(([k]) => k.startsWith(prefix))
    .sort(([a], [c]) => (a < c ? -1 : a > c ? 1 : 0))
    .flatMap(([k, versions]) =>
      [...versions].reverse().map((v, i) => {
        const common = `<Key>${escapeXml(k)}</Key><VersionId>${v.versionId}</VersionId><IsLatest>${i === 0}</IsLatest><LastModified>${v.lastModified}</LastModified>`;
        return v.deleteMarker
          ? `<DeleteMarker>${common}</DeleteMarker>`
          : `<Version>${common}<ETag>${escapeXml(v.etag)}</ETag><Size>${v.body.length}</Size><StorageClass>STANDARD</StorageClass></Version>`;
      }),
    )
    .join("");
  return xmlReply(
    `<ListVersionsResult xmlns="${NS}"><Name>${escapeXml(b.name)}</Name><Prefix>${escapeXml(prefix)}</Prefix><IsTruncated>false</IsTruncated>${items}</ListVersionsResult>`,
  );
}

function addVersion(s: BucketObjects, key: string, version: ObjectVersion): void {
  const versions = s.versions.get(key) ?? [];
  // Without versioning the one "null" version is replaced; with it, versions accumulate.
  const kept = version.versionId === "null" ? versions.filter((v) => v.versionId !== "null") : versions;
  kept.push(version);
  s.versions.set(key, kept);
}

function pick(s: BucketObjects, key: string, versionId: string | undefined): ObjectVersion {
  const versions = s.versions.get(key) ?? [];
  const version = versionId ? versions.find((v) => v.versionId === versionId) : versions[versions.length - 1];
  if (!version) {
    if (versionId) throw new EmuError("NoSuchVersion", 404, "The specified version does not exist.");
    throw new EmuError("NoSuchKey", 404, "The specified key does not exist.");
  }
  return version;
}

function locked(version: ObjectVersion, req: EmuRequest): boolean {
  if (!version.lock || Date.parse(version.lock.retainUntil) <= s3Clock.now()) return false;
  return version.lock.mode === "COMPLIANCE" || !bypass(req);
}

function bypass(req: EmuRequest): boolean {
  return header(req, "x-amz-bypass-governance-retention")?.toLowerCase() === "true";
}

function header(req: EmuRequest, name: string): string | undefined {
  const value = req.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

/**
 * The object's bytes. The SDK may send a body `aws-chunked` with a trailing checksum
 * (https://docs.aws.amazon.com/AmazonS3/latest/API/sigv4-streaming.html): `<hex size>[;ext]\r\n<data>\r\n` … `0\r\n<trailers>\r\n\r\n`.
 */
function decodeBody(req: EmuRequest): Buffer {
  const encoding = String(req.headers["content-encoding"] ?? "");
  const sha = String(req.headers["x-amz-content-sha256"] ?? "");
  if (!encoding.includes("aws-chunked") && !sha.startsWith("STREAMING-")) return req.body;
  const out: Buffer[] = [];
  let at = 0;
  for (;;) {
    const eol = req.body.indexOf("\r\n", at);
    if (eol < 0) throw new EmuError("IncompleteBody", 400, "The request body ended inside a chunk header");
    const size = Number.parseInt(req.body.subarray(at, eol).toString("ascii").split(";")[0]!, 16);
    if (!Number.isFinite(size)) throw new EmuError("InvalidChunkSizeError", 400, "Bad chunk size");
    if (size === 0) break;
    out.push(req.body.subarray(eol + 2, eol + 2 + size));
    at = eol + 2 + size + 2;
  }
  return Buffer.concat(out);
}
