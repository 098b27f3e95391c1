// Copies the NHS.UK frontend's compiled CSS, JS and images into static/nhsuk/,
// where Django's staticfiles (and WhiteNoise in production) serve them.
import { cpSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const source = join(root, "node_modules", "nhsuk-frontend", "dist", "nhsuk");
const target = join(root, "static", "nhsuk");

rmSync(target, { recursive: true, force: true });
mkdirSync(target, { recursive: true });
cpSync(join(source, "assets"), join(target, "assets"), { recursive: true });
// Source maps are not shipped, so drop the comments that point at them
// (Django's manifest storage would otherwise fail to find the .map files).
const withoutSourceMap = (text) => text.replace(/\/[*/]# sourceMappingURL=[^\n]*?(\*\/)?$/gm, "");
writeFileSync(
  join(target, "nhsuk-frontend.min.js"),
  withoutSourceMap(readFileSync(join(source, "nhsuk-frontend.min.js"), "utf8")),
);

// The published CSS points at /assets/ on the site root; our assets live beside
// the stylesheet under STATIC_URL, so make those references relative. It also loads
// the Frutiger web font from assets.nhs.uk: a third-party request from every page,
// licensed for nhs.uk sites only, so drop it and use the design system's Arial fallback.
const css = readFileSync(join(source, "nhsuk-frontend.min.css"), "utf8")
  .replaceAll("url(/assets/", "url(assets/")
  .replace(/@font-face\{[^}]*assets\.nhs\.uk[^}]*\}/g, "");
writeFileSync(join(target, "nhsuk-frontend.min.css"), withoutSourceMap(css));
console.log(`NHS.UK frontend copied to ${target}`);
