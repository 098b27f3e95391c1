// Progressive enhancement only: every page works without JavaScript.
import { initAll } from "../nhsuk/nhsuk-frontend.min.js";

document.body.classList.add("js-enabled", "nhsuk-frontend-supported");
initAll();

// A table too wide for the screen scrolls inside its wrapper. Then the wrapper is a named region
// in the tab order, so that it can be scrolled from the keyboard, and shows that it scrolls; one
// that fits is left out of the tab order. (Without JavaScript every wrapper stays focusable.)
const tableWraps = document.querySelectorAll(".app-table-wrap");
const markScrollingTables = () => {
  for (const wrap of tableWraps) {
    const scrolls = wrap.scrollWidth > wrap.clientWidth + 1;
    wrap.classList.toggle("app-table-wrap--scrolls", scrolls);
    if (scrolls) {
      const caption = wrap.querySelector("caption");
      wrap.setAttribute("tabindex", "0");
      wrap.setAttribute("role", "region");
      wrap.setAttribute("aria-label", `${caption ? caption.textContent.trim() : "Table"} (scrolls sideways)`);
    } else {
      wrap.removeAttribute("tabindex");
      wrap.removeAttribute("role");
      wrap.removeAttribute("aria-label");
    }
  }
};
markScrollingTables();
window.addEventListener("resize", markScrollingTables);
