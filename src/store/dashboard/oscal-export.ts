import type { Readable } from "node:stream";
import { PATHS } from "../../evidence/format.js";
import { readZipStrict } from "../../evidence/zip.js";
import { OSCAL_AP_MEDIA_TYPE } from "../../formats/oscal-plan.js";

interface BackMatterResource {
  uuid: string;
  rlinks?: unknown[];
  base64?: unknown;
}

/**
 * The OSCAL assessment results of an evidence bundle as one document that stands alone: the bundle's results
 * import the plan beside them (`oscal/assessment-plan.json`); here the plan is embedded in the back-matter
 * resource `import-ap` points at (base64), as the single-scan OSCAL export does, so the href still resolves.
 * The bundle remains the verifiable form; this is the same results for tools that read OSCAL only.
 */
export async function standaloneAssessmentResults(bundle: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of bundle) chunks.push(Buffer.from(chunk as Buffer));
  const files = readZipStrict(Buffer.concat(chunks));
  const results = files.get(PATHS.assessmentResults);
  const plan = files.get(PATHS.assessmentPlan);
  if (!results || !plan) throw new Error("the evidence bundle has no OSCAL assessment results or plan");
  const doc = JSON.parse(results.toString("utf8")) as {
    "assessment-results": {
      "import-ap": { href: string; remarks?: string };
      "back-matter"?: { resources?: BackMatterResource[] };
    };
  };
  const ar = doc["assessment-results"];
  const target = ar["import-ap"].href.replace(/^#/u, "");
  const resource = ar["back-matter"]?.resources?.find((r) => r.uuid === target);
  if (!resource) throw new Error("the assessment results' import-ap names no back-matter resource");
  delete resource.rlinks;
  resource.base64 = {
    filename: "assessment-plan.json",
    "media-type": OSCAL_AP_MEDIA_TYPE,
    value: plan.toString("base64"),
  };
  ar["import-ap"].remarks = "The assessment plan is embedded in this document's back-matter (base64).";
  return Buffer.from(JSON.stringify(doc));
}
