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

// A long list to choose several from (lmns.forms.Picker): a box filters the checkboxes by what is
// typed (every word must appear), and those chosen are listed above with a button to remove each,
// so that a choice scrolled or filtered out of sight is still seen. Hidden boxes keep their ticks:
// filtering is for finding, not for choosing.
for (const picker of document.querySelectorAll("[data-module='app-picker']")) {
  const items = [...picker.querySelectorAll(".app-picker__list .nhsuk-checkboxes__item")].map((item) => ({
    item,
    box: item.querySelector("input[type='checkbox']"),
    label: item.querySelector("label").textContent.trim(),
  }));
  if (items.length === 0) continue;
  const filter = picker.querySelector(".app-picker__filter input");
  const shown = picker.querySelector(".app-picker__shown");
  const chosen = picker.querySelector(".app-picker__chosen-list");
  const count = picker.querySelector(".app-picker__count");

  const applyFilter = () => {
    const words = filter.value.toLowerCase().split(/\s+/).filter(Boolean);
    let visible = 0;
    for (const { item, label } of items) {
      const text = label.toLowerCase();
      item.hidden = !words.every((word) => text.includes(word));
      if (!item.hidden) visible += 1;
    }
    shown.textContent = words.length
      ? `${visible} of ${items.length} shown`
      : `${items.length} to choose from`;
  };

  const showChosen = () => {
    const ticked = items.filter(({ box }) => box.checked);
    count.textContent = ticked.length ? `(${ticked.length})` : "(none yet)";
    chosen.replaceChildren(
      ...ticked.map(({ box, label }) => {
        const row = document.createElement("li");
        const name = document.createElement("span");
        name.textContent = label;
        const remove = document.createElement("button");
        remove.type = "button";
        remove.className = "nhsuk-button nhsuk-button--secondary nhsuk-button--small";
        remove.append("Remove");
        const which = document.createElement("span");
        which.className = "nhsuk-u-visually-hidden";
        which.textContent = ` ${label}`;
        remove.append(which);
        remove.addEventListener("click", () => {
          const index = ticked.findIndex((entry) => entry.box === box);
          box.checked = false;
          showChosen();
          // The focus goes to the next remove button, else the previous, else the filter box.
          const buttons = chosen.querySelectorAll("button");
          (buttons[index] || buttons[index - 1] || filter).focus();
        });
        row.append(name, remove);
        return row;
      }),
    );
  };

  filter.addEventListener("input", applyFilter);
  // Enter in the filter box would send the form half filled in.
  filter.addEventListener("keydown", (event) => {
    if (event.key === "Enter") event.preventDefault();
  });
  for (const { box } of items) box.addEventListener("change", showChosen);
  picker.querySelector(".app-picker__filter").hidden = false;
  picker.querySelector(".app-picker__chosen").hidden = false;
  applyFilter();
  showChosen();
}
