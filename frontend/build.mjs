// Builds the vendored editor bundle: `make assets` (or `npm run build` here).
import { build } from "esbuild";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";

const out = "../src/viva/web/static/vendor/viva-editor";
mkdirSync(out, { recursive: true });
await build({
  entryPoints: ["src/room.js"],
  bundle: true,
  minify: true,
  format: "iife",
  globalName: "VivaEditor",
  target: ["es2020"],
  outfile: `${out}/viva-editor.js`,
  legalComments: "none",
});
// Versions of what went in, for the licence file and for `git diff` after an upgrade.
const lock = JSON.parse(readFileSync("package-lock.json", "utf8"));
const lines = Object.entries(lock.packages)
  .filter(([path]) => path.startsWith("node_modules/") && !path.includes("esbuild"))
  .map(([path, meta]) => `${path.slice("node_modules/".length)} ${meta.version} ${meta.license ?? ""}`)
  .sort();
writeFileSync(
  `${out}/VERSIONS`,
  "Bundled into viva-editor.js by frontend/build.mjs (all MIT licensed):\n" + lines.join("\n") + "\n",
);
