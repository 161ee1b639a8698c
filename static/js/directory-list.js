// The directory list: on a small screen, fold the filters away unless some are chosen, so that
// the results come into view first.
const filters = document.querySelector("details.more-filters");
if (filters && filters.dataset.chosen === "0" && matchMedia("(max-width: 48rem)").matches) {
  filters.open = false;
}
