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

// Planning a visit: the units offered follow the provider chosen. Each unit names its provider in
// data-provider; a unit of another provider is unticked as it is hidden, so that nothing unseen
// is sent. (Without JavaScript every unit is listed, and the form refuses another provider's.)
for (const form of document.querySelectorAll("form")) {
  const provider = form.querySelector("select[name='provider']");
  const units = form.querySelectorAll("input[data-provider]");
  if (!provider || units.length === 0) continue;
  const followProvider = () => {
    for (const unit of units) {
      const offered = !provider.value || unit.dataset.provider === provider.value;
      unit.closest(".nhsuk-checkboxes__item").hidden = !offered;
      if (!offered) unit.checked = false;
    }
  };
  provider.addEventListener("change", followProvider);
  followProvider();
}
