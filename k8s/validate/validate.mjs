#!/usr/bin/env node
// Validates Kubernetes objects offline, each against the schema of its apiVersion and kind:
//   built-in kinds   against kubernetes-models twice, as the oldest and the newest Kubernetes this project supports:
//                    1.25 (the charts' kubeVersion floor) and 1.36 (npm aliases k8s-oldest and k8s-newest; SCHEMAS below);
//   cert-manager.io  against @kubernetes-models/cert-manager;
//   monitoring.coreos.com against @kubernetes-models/prometheus-operator.
// An object whose apiVersion/kind no schema set knows is an error, not a pass, and so is a built-in kind at an alpha or
// beta apiVersion (kubernetes-models keeps removed versions such as policy/v1beta1). So is a field the schema does not
// declare (a misspelt readinessProbe would otherwise pass: kubernetes-models' validators ignore unknown fields, the API
// server's strict field validation, kubectl's default, refuses them); see tracked().
//
// --kubernetes=1.25 or 1.36 checks built-in kinds against that version only (for objects rendered for it).
// Input: files named on the command line, or stdin when none (or "-"): multi-document YAML, a JSON array of
// objects, or a List ({"items": [...]}). Output: one line per object, "ok" or "INVALID" with its errors; with
// --json one JSON object per line ({index, apiVersion, kind, name, valid, schemas, errors}). Exit status: 0 all valid,
// 1 some invalid, 2 unusable input.
import { readFileSync } from "node:fs";
import { parseAllDocuments } from "yaml";

/** Schema sets, in the order they are reported. `group` matches the API group of an apiVersion ("" is core). */
export const SCHEMAS = [
  { name: "kubernetes 1.25 (kubernetes-models 4.1.0)", pkg: "k8s-oldest", builtIn: true, kubernetes: "1.25" },
  { name: "kubernetes 1.36 (kubernetes-models 5.1.0)", pkg: "k8s-newest", builtIn: true, kubernetes: "1.36" },
  { name: "cert-manager v1.20 CRDs (@kubernetes-models/cert-manager 6.0.0)", pkg: "@kubernetes-models/cert-manager",
    groups: ["cert-manager.io", "acme.cert-manager.io"] },
  { name: "prometheus-operator v0.91 CRDs (@kubernetes-models/prometheus-operator 6.0.0)",
    pkg: "@kubernetes-models/prometheus-operator", groups: ["monitoring.coreos.com"] },
];

const CRD_GROUPS = new Set(SCHEMAS.flatMap((s) => s.groups ?? []));

function split(apiVersion) {
  const i = apiVersion.lastIndexOf("/");
  return i < 0 ? { group: "", version: apiVersion } : { group: apiVersion.slice(0, i), version: apiVersion.slice(i + 1) };
}

const moduleCache = new Map();
async function groupModule(pkg, apiVersion) {
  const key = pkg + " " + apiVersion;
  if (!moduleCache.has(key)) {
    // "v1" (core) lives at <pkg>/v1, "apps/v1" at <pkg>/apps/v1
    moduleCache.set(key, import(`${pkg}/${apiVersion}`).catch(() => null));
  }
  return moduleCache.get(key);
}

/** The model classes that apply to this apiVersion/kind: [{schema, Model}], empty when none knows it. */
async function modelsFor(apiVersion, kind, kubernetes) {
  const { group } = split(apiVersion);
  const out = [];
  for (const s of SCHEMAS) {
    if (kubernetes && s.builtIn && s.kubernetes !== kubernetes) continue;
    const applies = s.builtIn ? !CRD_GROUPS.has(group) : s.groups.includes(group);
    if (!applies) continue;
    const mod = await groupModule(s.pkg, apiVersion);
    out.push({ schema: s.name, Model: mod && typeof mod[kind] === "function" ? mod[kind] : null });
  }
  return out;
}

function describe(err) {
  // @kubernetes-models/validate throws a ValidationError with ajv's errors in .errors
  if (err && Array.isArray(err.errors)) {
    return err.errors.map((e) => {
      const where = e.instancePath || e.dataPath || "";
      const extra = e.params && e.params.additionalProperty ? ` '${e.params.additionalProperty}'` : "";
      return `${where || "(root)"}: ${e.message}${extra}`;
    });
  }
  return [String(err && err.message ? err.message : err)];
}

/**
 * A proxy of `value` (and, lazily, of everything under it) that notes each property name read, per object path.
 * ajv's compiled validators read every property their schema declares (`data.replicas`, present or not) and, for
 * maps (labels, ConfigMap data), every key they hold; a key of a typed object that was never read is one the schema
 * does not declare.
 */
function tracked(value, path, reads) {
  if (value === null || typeof value !== "object") return value;
  let entry = reads.get(path);
  if (!entry) {
    entry = { value, read: new Set(), children: new Map() };
    reads.set(path, entry);
  }
  return new Proxy(value, {
    get(target, key, receiver) {
      const v = Reflect.get(target, key, receiver);
      if (typeof key !== "string") return v;
      entry.read.add(key);
      if (!Object.prototype.hasOwnProperty.call(target, key) || v === null || typeof v !== "object") return v;
      if (!entry.children.has(key)) entry.children.set(key, tracked(v, `${path}/${key}`, reads));
      return entry.children.get(key);
    },
  });
}

/**
 * Paths of keys that the validator never read in an object whose other properties it did read (a typed object).
 * Objects it read nothing of are free-form in the schema (or under an invalid parent) and are not judged.
 */
function unknownFields(reads) {
  const out = [];
  for (const [path, { value, read }] of reads) {
    if (Array.isArray(value) || read.size === 0) continue;
    for (const k of Object.keys(value)) if (!read.has(k)) out.push(`${path}/${k}`);
  }
  return out;
}

/** Validates one object; returns {valid, schemas, errors}. */
export async function validateObject(obj, kubernetes) {
  if (obj === null || typeof obj !== "object" || Array.isArray(obj)) {
    return { valid: false, schemas: [], errors: ["not an object"] };
  }
  const { apiVersion, kind } = obj;
  if (typeof apiVersion !== "string" || typeof kind !== "string" || !apiVersion || !kind) {
    return { valid: false, schemas: [], errors: ["apiVersion and kind are required strings"] };
  }
  const models = await modelsFor(apiVersion, kind, kubernetes);
  const errors = [];
  const schemas = [];
  if (models.length === 0) errors.push(`${apiVersion} ${kind}: no schema set covers API group '${split(apiVersion).group}'`);
  for (const { schema, Model } of models) {
    schemas.push(schema);
    if (schema.startsWith("kubernetes ") && /^v\d+(alpha|beta)\d+$/.test(split(apiVersion).version)) {
      // kubernetes-models keeps every version it ever generated (policy/v1beta1 was removed in 1.25; new betas are
      // off by default since 1.24), so a schema match would say nothing about whether the cluster serves it
      errors.push(`[${schema}] ${apiVersion}: not a GA API (removed, or not served by default); use the v1/v2 version`);
      continue;
    }
    if (!Model) {
      errors.push(`[${schema}] unknown kind: ${apiVersion} ${kind}`);
      continue;
    }
    const reads = new Map();
    let schemaValid = true;
    try {
      // the model's validate() runs the pre-compiled validator on `this`: give it a proxy that records which
      // properties it reads, to find the fields the schema does not declare (see unknownFields)
      // (a proxy of the model instance, not of obj: 4.x models find their schema id through the prototype)
      Model.prototype.validate.call(tracked(new Model(obj), "", reads));
    } catch (e) {
      schemaValid = false;
      for (const d of describe(e)) errors.push(`[${schema}] ${d}`);
    }
    if (schemaValid) for (const u of unknownFields(reads)) errors.push(`[${schema}] ${u}: unknown field`);
  }
  return { valid: errors.length === 0, schemas, errors };
}

/** Parses YAML (multi-document) or JSON text into a list of objects. */
export function parseObjects(text) {
  const trimmed = text.trimStart();
  if (trimmed.startsWith("[") || trimmed.startsWith("{")) {
    const v = JSON.parse(text);
    if (Array.isArray(v)) return v;
    if (v && Array.isArray(v.items) && /List$/.test(v.kind ?? "")) return v.items;
    return [v];
  }
  const out = [];
  for (const doc of parseAllDocuments(text)) {
    if (doc.errors && doc.errors.length) throw new Error("YAML: " + doc.errors.map((e) => e.message).join("; "));
    const v = doc.toJS();
    if (v === null || v === undefined) continue;
    out.push(v);
  }
  return out;
}

async function main(argv) {
  const json = argv.includes("--json");
  const kubeArg = argv.find((a) => a.startsWith("--kubernetes="));
  const kubernetes = kubeArg ? kubeArg.slice("--kubernetes=".length) : null;
  if (kubernetes && !SCHEMAS.some((s) => s.kubernetes === kubernetes)) {
    process.stderr.write(`validate: no schemas for Kubernetes ${kubernetes}; have ${SCHEMAS.filter((s) => s.kubernetes).map((s) => s.kubernetes).join(", ")}\n`);
    return 2;
  }
  const files = argv.filter((a) => a !== "--json" && !a.startsWith("--kubernetes="));
  if (argv.includes("--help") || argv.includes("-h")) {
    process.stdout.write("usage: validate.mjs [--json] [--kubernetes=1.25|1.36] [FILE...]   (no FILE or '-': stdin; without --kubernetes, both)\nschemas:\n"
      + SCHEMAS.map((s) => "  " + s.name + "\n").join(""));
    return 0;
  }
  let objects = [];
  try {
    for (const f of files.length ? files : ["-"]) {
      objects = objects.concat(parseObjects(readFileSync(f === "-" ? 0 : f, "utf8")));
    }
  } catch (e) {
    process.stderr.write(`validate: cannot read input: ${e.message}\n`);
    return 2;
  }
  let invalid = 0;
  for (let i = 0; i < objects.length; i++) {
    const o = objects[i];
    const r = await validateObject(o, kubernetes);
    const id = { index: i, apiVersion: o?.apiVersion ?? null, kind: o?.kind ?? null, name: o?.metadata?.name ?? null };
    if (!r.valid) invalid++;
    if (json) process.stdout.write(JSON.stringify({ ...id, ...r }) + "\n");
    else {
      process.stdout.write(`${r.valid ? "ok     " : "INVALID"} #${i} ${id.apiVersion} ${id.kind} ${id.name}\n`);
      for (const e of r.errors) process.stdout.write(`    ${e}\n`);
    }
  }
  if (!json) process.stdout.write(`${objects.length - invalid} valid, ${invalid} invalid\n`);
  return invalid ? 1 : 0;
}

if (import.meta.url === `file://${process.argv[1]}` || process.argv[1]?.endsWith("validate.mjs")) {
  main(process.argv.slice(2)).then((code) => { process.exitCode = code; },
    (e) => { process.stderr.write(`validate: ${e.stack ?? e}\n`); process.exitCode = 2; });
}
