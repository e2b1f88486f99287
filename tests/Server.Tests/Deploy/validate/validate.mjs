// Validates Kubernetes objects (multi-document YAML on stdin, e.g. `kubectl kustomize k8s/overlays/gpu`) against the
// official schemas of kubernetes-models and its KEDA and Prometheus Operator packages, offline. Prints one line per
// object, "ok Kind/name" or "invalid Kind/name: why", and exits 1 when any object is invalid or has no schema.
import { parseAllDocuments } from "yaml";

// API groups served by a package other than kubernetes-models.
const packages = {
  "keda.sh": "@kubernetes-models/keda",
  "monitoring.coreos.com": "@kubernetes-models/prometheus-operator",
};

async function modelClass(apiVersion, kind) {
  const [group, version] = apiVersion.includes("/") ? apiVersion.split("/") : [null, apiVersion];
  const module = group === null ? `kubernetes-models/${version}` : `${packages[group] ?? "kubernetes-models"}/${group}/${version}`;
  let exports;
  try {
    exports = await import(module);
  } catch (error) {
    throw new Error(`no schema for apiVersion ${apiVersion} (${module}: ${error.code ?? error.message})`);
  }
  if (typeof exports[kind] !== "function") throw new Error(`no schema for kind ${kind} in apiVersion ${apiVersion}`);
  return exports[kind];
}

let input = "";
for await (const chunk of process.stdin) input += chunk;
const documents = parseAllDocuments(input);
let objects = 0, invalid = 0;
for (const document of documents) {
  if (document.errors.length > 0) {
    console.log(`invalid YAML: ${document.errors.map(e => e.message).join("; ")}`);
    invalid++;
    continue;
  }
  const object = document.toJS();
  if (object === null || object === undefined) continue;
  objects++;
  const name = `${object.kind ?? "(no kind)"}/${object.metadata?.name ?? "(no name)"}`;
  try {
    if (typeof object.apiVersion !== "string" || typeof object.kind !== "string") throw new Error("apiVersion and kind are required");
    const Model = await modelClass(object.apiVersion, object.kind);
    new Model(object).validate();
    console.log(`ok ${name}`);
  } catch (error) {
    console.log(`invalid ${name}: ${error.message}`);
    invalid++;
  }
}
console.log(`${objects} objects, ${invalid} invalid`);
process.exit(invalid === 0 && objects > 0 ? 0 : 1);
