import { readFileSync } from "node:fs";
import { join } from "node:path";
import { Ajv, type ErrorObject } from "ajv";
import { Ajv2020 } from "ajv/dist/2020.js";
import AjvDraft04Module from "ajv-draft-04";
import addFormatsModule from "ajv-formats";
import { validateXML } from "xmllint-wasm";
import { ocsfClassSchema } from "./ocsf-json-schema.js";

// ajv-formats is CommonJS with a default export; under NodeNext the callable sits on `.default`.
const addFormats = addFormatsModule as unknown as typeof addFormatsModule.default;
const AjvDraft04 = AjvDraft04Module as unknown as typeof AjvDraft04Module.default;

export const SCHEMAS_DIR = join(import.meta.dirname, "..", "schemas");

const readJson = (path: string) => JSON.parse(readFileSync(join(SCHEMAS_DIR, path), "utf8"));

export type Validate = (data: unknown) => string[];

function describe(errors: ErrorObject[] | null | undefined): string[] {
  return (errors ?? [])
    .slice(0, 20)
    .map((e) => `${e.instancePath || "/"} ${e.message ?? ""} ${JSON.stringify(e.params)}`);
}

/** NIST OSCAL assessment-results JSON Schema (draft-07), the version the renderer declares (1.2.0). */
export function oscalValidator(version: "1.2.0" | "1.0.6" = "1.2.0"): Validate {
  const ajv = new Ajv({ strict: false, allErrors: true });
  addFormats(ajv);
  const validate = ajv.compile(readJson(`oscal/oscal_assessment-results_schema_v${version}.json`));
  return (data) => (validate(data) ? [] : describe(validate.errors));
}

/** SARIF 2.1.0 JSON Schema, final (rtm.5) text, JSON Schema draft-04 (see test/schemas/README.md). */
export function sarifValidator(): Validate {
  // The published text's run.language pattern has a stray `]` that is legal only without the `u` flag.
  const ajv = new AjvDraft04({ strict: false, allErrors: true, unicodeRegExp: false });
  addFormats(ajv);
  const validate = ajv.compile(readJson("sarif/sarif-2.1.0-rtm.5.json"));
  return (data) => (validate(data) ? [] : describe(validate.errors));
}

/**
 * The SARIF 2.1.0 schema as the OASIS SARIF TC publishes it (oasis-tcs/sarif-spec `Schemata/`, JSON Schema
 * 2020-12). Two defects of that text need a tolerant compile, both documented in test/schemas/README.md:
 * its `language` patterns start with the PCRE inline flag `(?i)`, which JavaScript lacks (compiled here as
 * the same pattern with the `i` flag), and `region` lists an `anyOf` inside `properties` (so the meta-schema
 * check is off; a property literally named "anyOf" never occurs in a log).
 */
export function sarifOasisValidator(): Validate {
  const regExp = Object.assign(
    (pattern: string, flags: string) =>
      pattern.startsWith("^(?i)")
        ? new RegExp(`^${pattern.slice(5)}`, `${flags}i`)
        : new RegExp(pattern, flags),
    { code: "new RegExp" },
  );
  const ajv = new Ajv2020({ strict: false, allErrors: true, validateSchema: false, code: { regExp } });
  addFormats(ajv);
  const validate = ajv.compile(readJson("sarif/sarif-schema-2.1.0.json"));
  return (data) => (validate(data) ? [] : describe(validate.errors));
}

/** OCSF 1.8.0 Compliance Finding, generated from the vendored metaschema files (see ocsf-json-schema.ts). */
export function ocsfValidator(): Validate {
  const validators = new Map<string, Validate>();
  const forProfiles = (profiles: string[]): Validate => {
    const key = [...profiles].sort().join(",");
    let validate = validators.get(key);
    if (!validate) {
      const ajv = new Ajv2020({ strict: false, allErrors: true });
      addFormats(ajv);
      const compiled = ajv.compile(
        ocsfClassSchema({ root: join(SCHEMAS_DIR, "ocsf-1.8.0"), className: "compliance_finding", profiles }),
      );
      validate = (data) => (compiled(data) ? [] : describe(compiled.errors));
      validators.set(key, validate);
    }
    return validate;
  };
  // An event is checked with the profiles its metadata declares: a profile's attributes are allowed (and its
  // required ones required) only when the event applies it, as OCSF consumers read them.
  return (data) => {
    const profiles = (data as { metadata?: { profiles?: unknown } })?.metadata?.profiles;
    return forProfiles(Array.isArray(profiles) ? profiles.filter((p) => typeof p === "string") : [])(data);
  };
}

/**
 * libxml2's xmllint compiled to WebAssembly (npm `xmllint-wasm`, no system package needed) against the
 * windyroad/Ant JUnit XSD; returns its complaints, empty when valid.
 */
export async function validateJunitXml(xml: string): Promise<string[]> {
  const result = await validateXML({
    xml: [{ fileName: "junit.xml", contents: xml }],
    schema: [
      { fileName: "JUnit.xsd", contents: readFileSync(join(SCHEMAS_DIR, "junit", "JUnit.xsd"), "utf8") },
    ],
  });
  return result.valid ? [] : result.errors.slice(0, 20).map((e) => e.message);
}
