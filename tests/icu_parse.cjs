// Parse strings the way Home Assistant's frontend does: as ICU MessageFormat with
// intl-messageformat (tags are parsed, so "<network>" is an unclosed tag).
// Input on stdin: a JSON list of [where, text]. Output: a JSON list of [where, error].
"use strict";
const { IntlMessageFormat } = require("intl-messageformat");

let input = "";
process.stdin.setEncoding("utf8");
process.stdin.on("data", (chunk) => { input += chunk; });
process.stdin.on("end", () => {
  const failures = [];
  for (const [where, text] of JSON.parse(input)) {
    try {
      new IntlMessageFormat(text, "en");
    } catch (error) {
      failures.push([where, String(error.message || error)]);
    }
  }
  process.stdout.write(JSON.stringify(failures));
});
