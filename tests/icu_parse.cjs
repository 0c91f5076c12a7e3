// Parse and format strings the way Home Assistant's frontend does: as ICU MessageFormat
// with intl-messageformat (tags are parsed, so "<network>" is an unclosed tag).
// Input on stdin: a JSON list of [where, text, values]; values null means parse only.
// Output: a JSON list of [where, error or null, rendered text or null].
"use strict";
const { IntlMessageFormat } = require("intl-messageformat");

let input = "";
process.stdin.setEncoding("utf8");
process.stdin.on("data", (chunk) => { input += chunk; });
process.stdin.on("end", () => {
  const results = [];
  for (const [where, text, values] of JSON.parse(input)) {
    try {
      const message = new IntlMessageFormat(text, "en");
      results.push([where, null, values === null ? null : String(message.format(values))]);
    } catch (error) {
      results.push([where, String(error.message || error), null]);
    }
  }
  process.stdout.write(JSON.stringify(results));
});
