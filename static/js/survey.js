// Questionnaire pages: show a question only while the answer it depends on is given.
//
// The server decides what counts (it ignores answers to questions that are not asked); this
// only spares people questions that do not apply while they fill in the page. Without
// JavaScript every question stays visible with a note saying when it applies.

const form = document.querySelector("form[data-survey-form]");

function blockOf(code) {
  return form.querySelector(`.survey-question[data-question="${CSS.escape(code)}"]`);
}

function givenValues(code) {
  const values = [];
  for (const input of form.querySelectorAll(`[name="${CSS.escape(code)}"]`)) {
    if ((input.type === "radio" || input.type === "checkbox") && !input.checked) continue;
    if (input.value.trim() !== "") values.push(input.value);
  }
  return values;
}

function isAnswered(block) {
  for (const input of block.querySelectorAll("input, textarea, select")) {
    if (input.name.endsWith("__other")) continue;
    if (input.type === "radio" || input.type === "checkbox") {
      if (input.checked) return true;
    } else if (input.value.trim() !== "") {
      return true;
    }
  }
  return false;
}

function isShown(block) {
  const code = block.dataset.conditionField;
  if (!code) return true;
  const trigger = blockOf(code);
  if (!trigger || !isShown(trigger)) return false;
  const wanted = block.dataset.conditionValues.split(" ").filter(Boolean);
  if (wanted.length === 0) return isAnswered(trigger);
  return givenValues(code).some((value) => wanted.includes(value));
}

function update() {
  for (const block of form.querySelectorAll(".survey-question[data-condition-field]")) {
    block.hidden = !isShown(block);
  }
  // "Please specify" appears once "other" is chosen (or when it already holds words).
  for (const other of form.querySelectorAll("[data-other-of]")) {
    const input = other.querySelector("input");
    const chosen = givenValues(other.dataset.otherOf).includes(other.dataset.otherValue);
    other.hidden = !chosen && input.value.trim() === "" && !other.querySelector(".errorlist");
  }
}

if (form) {
  for (const note of form.querySelectorAll(".survey-condition")) note.hidden = true;
  form.addEventListener("change", update);
  form.addEventListener("input", update);
  update();
}
