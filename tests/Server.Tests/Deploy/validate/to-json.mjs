// Prints the objects of a multi-document YAML stream on stdin as one JSON array, for the C# tests to read.
import { parseAllDocuments } from "yaml";

let input = "";
for await (const chunk of process.stdin) input += chunk;
const objects = [];
for (const document of parseAllDocuments(input)) {
  if (document.errors.length > 0) {
    console.error(`invalid YAML: ${document.errors.map(e => e.message).join("; ")}`);
    process.exit(1);
  }
  const object = document.toJS();
  if (object !== null && object !== undefined) objects.push(object);
}
process.stdout.write(JSON.stringify(objects));
