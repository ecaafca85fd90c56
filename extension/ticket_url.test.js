// node --test extension/  — the JS parser against the cases the Python tests use too.
const test = require("node:test");
const assert = require("node:assert");
const fs = require("node:fs");
const path = require("node:path");
const { parseTicketUrl } = require("./chromium/ticket_url.js");

const { cases } = JSON.parse(fs.readFileSync(path.join(__dirname, "url_cases.json"), "utf8"));

for (const c of cases) {
  test(`${c.why}: ${JSON.stringify(c.text)}`, () => {
    assert.deepStrictEqual(parseTicketUrl(c.text, c.sites), c.expect);
  });
}

test("firefox copy is identical", () => {
  for (const f of ["ticket_url.js", "background.js"]) {
    assert.strictEqual(
      fs.readFileSync(path.join(__dirname, "firefox", f), "utf8"),
      fs.readFileSync(path.join(__dirname, "chromium", f), "utf8"),
    );
  }
});
