// Recording an incident: while the harm chosen is moderate or worse, the prompt to record whether
// the duty of candour applies is shown. The grades that count come from the page (data-grades,
// from incidents.models), so the rule is written once. Without JavaScript the page shows the
// prompt when it is sent back, or opened for a change, with such harm chosen.
for (const prompt of document.querySelectorAll("[data-module='app-candour-prompt']")) {
  const form = prompt.closest("form");
  const grades = Object.entries(JSON.parse(prompt.dataset.grades))
    .map(([name, serious]) => ({ field: form.elements[name], serious }))
    .filter(({ field }) => field);
  const follow = () => {
    prompt.hidden = !grades.some(({ field, serious }) => serious.includes(field.value));
  };
  for (const { field } of grades) field.addEventListener("change", follow);
  follow();
}
