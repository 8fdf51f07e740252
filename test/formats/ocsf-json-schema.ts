import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";

/**
 * Turns the official OCSF metaschema files (vendored unmodified in test/schemas/ocsf-1.8.0) into a JSON Schema
 * for one event class, the way the OCSF server resolves them:
 * - `extends` chains of classes and objects are merged (child attributes over parent; enums are merged);
 * - every attribute takes its type, array-ness and enum from the dictionary unless the class/object overrides
 *   them; an object's own enum is merged over the dictionary's as the OCSF server shows them, so
 *   compliance.status_id is 0 Unknown, 1 Pass, 2 Warning, 3 Fail (the object's) and 99 Other (the dictionary's);
 * - attributes that belong to a profile (`"profile": "cloud"`, or pulled in by `$include` of a profile file)
 *   are allowed only when that profile is applied; a profile whose file is not vendored cannot be applied;
 * - `requirement: required` becomes JSON Schema `required`; `constraints.at_least_one` / `just_one` become
 *   anyOf / oneOf; unknown attributes are rejected (OCSF puts extra data under `unmapped`);
 * - dictionary types map to JSON types with their regex / max_len / range; `timestamp_t` is an integer (ms);
 * - class_uid, category_uid and type_uid (class_uid * 100 + activity_id) are pinned, and an `_id` enum's
 *   sibling string must carry the enum's caption (except 99 Other and 0 Unknown, whose text is free).
 * Objects the subset does not vendor (user, device, organization, …) become `false` schemas: output that used them
 * could not be checked, so the test refuses it rather than pretending.
 */
/** The object's enum values over the dictionary's (the object's captions win where both define a value). */
function mergedEnum(local: OcsfAttribute, dict: OcsfAttribute | undefined) {
  return local.enum && dict?.enum ? { ...dict.enum, ...local.enum } : (local.enum ?? dict?.enum);
}

export interface OcsfSchemaOptions {
  root: string;
  className: string;
  profiles?: string[];
}

interface OcsfAttribute {
  type?: string;
  is_array?: boolean;
  requirement?: "required" | "recommended" | "optional";
  enum?: Record<string, { caption: string }>;
  sibling?: string;
  profile?: string | null;
}

interface OcsfDefinition {
  name: string;
  caption?: string;
  uid?: number;
  category?: string;
  extends?: string;
  attributes: Record<string, OcsfAttribute>;
  constraints?: { at_least_one?: string[]; just_one?: string[] };
}

interface TypeDef {
  type?: string;
  regex?: string;
  max_len?: number;
  range?: [number, number];
}

type JsonSchema = Record<string, unknown> | boolean;

export function ocsfClassSchema(options: OcsfSchemaOptions): Record<string, unknown> {
  const { root } = options;
  const profiles = new Set(options.profiles ?? []);
  for (const p of profiles)
    if (!existsSync(join(root, "profiles", `${p}.json`)))
      throw new Error(`profile ${p} is not vendored under ${root}/profiles`);
  const read = (path: string) => JSON.parse(readFileSync(join(root, path), "utf8"));
  const dictionary = read("dictionary.json") as {
    attributes: Record<string, OcsfAttribute>;
    types: { attributes: Record<string, TypeDef> };
  };
  const categories = read("categories.json") as Categories;

  const findDefinition = (kind: "events" | "objects", name: string): OcsfDefinition | undefined => {
    const candidates =
      kind === "objects"
        ? [`objects/${name}.json`]
        : [`events/${name}.json`, ...["findings"].map((c) => `events/${c}/${name}.json`)];
    const file = candidates.find((c) => existsSync(join(root, c)));
    return file ? (read(file) as OcsfDefinition) : undefined;
  };

  /** Own attributes of a definition: `$include`d profile attributes only for applied profiles. */
  const ownAttributes = (def: OcsfDefinition): Record<string, OcsfAttribute> => {
    const out: Record<string, OcsfAttribute> = {};
    for (const [name, attr] of Object.entries(def.attributes)) {
      if (name === "$include") {
        for (const file of attr as unknown as string[]) {
          const profile = file.replace(/^profiles\//, "").replace(/\.json$/, "");
          if (!profiles.has(profile)) continue;
          const included = read(file) as OcsfDefinition;
          for (const [n, a] of Object.entries(included.attributes)) out[n] = { ...a, profile };
        }
        continue;
      }
      out[name] = attr;
    }
    return out;
  };

  const resolve = (kind: "events" | "objects", name: string): OcsfDefinition => {
    const def = findDefinition(kind, name);
    if (!def) throw new Error(`${kind} ${name} is not vendored`);
    const attributes = ownAttributes(def);
    if (!def.extends || def.extends === "object") return { ...def, attributes };
    const parent = resolve(kind, def.extends);
    const merged: Record<string, OcsfAttribute> = { ...parent.attributes };
    for (const [n, a] of Object.entries(attributes)) {
      const p = merged[n];
      merged[n] = p ? { ...p, ...a, ...(p.enum || a.enum ? { enum: { ...p.enum, ...a.enum } } : {}) } : a;
    }
    return {
      ...parent,
      ...def,
      attributes: merged,
      constraints: def.constraints ?? parent.constraints,
      category: def.category ?? parent.category,
    };
  };

  const defs: Record<string, JsonSchema> = {};
  const scalar = (typeName: string): Record<string, unknown> => {
    const t = dictionary.types.attributes[typeName];
    if (!t) throw new Error(`unknown OCSF type ${typeName}`);
    const base: Record<string, unknown> =
      typeName === "string_t"
        ? { type: "string" }
        : typeName === "integer_t" || typeName === "long_t"
          ? { type: "integer" }
          : typeName === "float_t"
            ? { type: "number" }
            : typeName === "boolean_t"
              ? { type: "boolean" }
              : typeName === "json_t"
                ? {}
                : t.type
                  ? scalar(t.type)
                  : {};
    const out = { ...base };
    if (t.regex) out.pattern = t.regex;
    if (t.max_len) out.maxLength = t.max_len;
    if (t.range) {
      out.minimum = t.range[0];
      out.maximum = t.range[1];
    }
    return out;
  };

  const attributeSchema = (name: string, local: OcsfAttribute): JsonSchema => {
    const dict = dictionary.attributes[name];
    if (!dict) throw new Error(`attribute ${name} is not in the dictionary`);
    const typeName = local.type ?? dict.type;
    const enumDef = mergedEnum(local, dict);
    let item: JsonSchema;
    if (!typeName) throw new Error(`attribute ${name} has no type`);
    if (typeName.endsWith("_t")) {
      item = scalar(typeName);
      if (enumDef) {
        const numeric = typeName === "integer_t" || typeName === "long_t";
        item = { ...item, enum: Object.keys(enumDef).map((k) => (numeric ? Number(k) : k)) };
      }
    } else if (typeName === "object") {
      item = { type: "object" };
    } else {
      item = objectRef(typeName);
    }
    return (local.is_array ?? dict.is_array) ? { type: "array", items: item } : item;
  };

  const siblingRules = (attributes: Record<string, OcsfAttribute>): Record<string, unknown>[] => {
    const rules: Record<string, unknown>[] = [];
    for (const [name, local] of Object.entries(attributes)) {
      const dict = dictionary.attributes[name];
      const sibling = local.sibling ?? dict?.sibling;
      const enumDef = mergedEnum(local, dict);
      if (!sibling || !enumDef || !(sibling in attributes)) continue;
      for (const [value, { caption }] of Object.entries(enumDef)) {
        if (value === "99" || value === "0") continue;
        rules.push({
          if: { properties: { [name]: { const: Number(value) } }, required: [name, sibling] },
          // biome-ignore lint/suspicious/noThenProperty: JSON Schema if/then keyword
          then: { properties: { [sibling]: { const: caption } } },
        });
      }
    }
    return rules;
  };

  const definitionSchema = (def: OcsfDefinition): Record<string, unknown> => {
    const attributes = Object.fromEntries(
      Object.entries(def.attributes).filter(
        ([, a]) => typeof a.profile !== "string" || profiles.has(a.profile),
      ),
    );
    const properties: Record<string, JsonSchema> = {};
    const required: string[] = [];
    for (const [name, attr] of Object.entries(attributes)) {
      properties[name] = attributeSchema(name, attr);
      if (attr.requirement === "required") required.push(name);
    }
    const schema: Record<string, unknown> = {
      type: "object",
      properties,
      required,
      additionalProperties: false,
    };
    const allOf: Record<string, unknown>[] = siblingRules(attributes);
    if (def.constraints?.at_least_one)
      allOf.push({ anyOf: def.constraints.at_least_one.map((a) => ({ required: [a] })) });
    if (def.constraints?.just_one)
      allOf.push({ oneOf: def.constraints.just_one.map((a) => ({ required: [a] })) });
    if (allOf.length) schema.allOf = allOf;
    return schema;
  };

  function objectRef(name: string): JsonSchema {
    if (!(name in defs)) {
      if (!findDefinition("objects", name)) {
        defs[name] = false;
      } else {
        defs[name] = true; // placeholder against recursion
        defs[name] = definitionSchema(resolve("objects", name));
      }
    }
    return { $ref: `#/$defs/${name}` };
  }

  const cls = resolve("events", options.className);
  const schema = definitionSchema(cls);
  const categoryUid = cls.category ? categories.attributes[cls.category]?.uid : undefined;
  if (categoryUid === undefined || cls.uid === undefined)
    throw new Error(`class ${options.className} has no category or uid`);
  const classUid = categoryUid * 1000 + cls.uid;
  const activities = Object.keys(cls.attributes.activity_id?.enum ?? {}).map(Number);
  const properties = schema.properties as Record<string, Record<string, unknown>>;
  // The base class's enums for these name only the base event (0); every class pins its own values.
  properties.class_uid = { type: "integer", const: classUid };
  properties.category_uid = { type: "integer", const: categoryUid };
  properties.type_uid = { type: "integer", enum: activities.map((a) => classUid * 100 + a) };
  if (properties.class_name) properties.class_name = { type: "string", const: cls.caption };
  if (properties.category_name && cls.category)
    properties.category_name = { type: "string", const: categoryCaption(categories, cls.category) };
  return {
    $schema: "https://json-schema.org/draft/2020-12/schema",
    $id: `urn:ocsf:1.8.0:class:${options.className}`,
    title: `OCSF 1.8.0 ${options.className} (class_uid ${classUid}), generated from the metaschema`,
    ...schema,
    $defs: defs,
  };
}

type Categories = { attributes: Record<string, { uid: number; caption: string }> };

function categoryCaption(categories: Categories, name: string): string {
  const category = categories.attributes[name];
  if (!category) throw new Error(`unknown OCSF category ${name}`);
  return category.caption;
}
