// Small DOM helpers for the Observable notebook (plain DOM, so nothing is fetched from a CDN at run time):
// labelled figures (`data-figure`) and titled charts (`data-chart`) that people read and the test checks.

const format = new Intl.NumberFormat("en-US", { maximumFractionDigits: 3 });

/** A row of headline numbers: [{name, label, value}] → <div class="fluxture-figures"> with data-figure spans. */
export function figures(items) {
  const row = document.createElement("div");
  row.className = "fluxture-figures";
  row.style.cssText = "display:flex;flex-wrap:wrap;gap:1.5rem;margin:0.5rem 0 1rem";
  for (const { name, label, value } of items) {
    const cell = document.createElement("div");
    const number = document.createElement("div");
    number.dataset.figure = name;
    number.style.cssText = "font-size:1.8rem;font-weight:600;font-variant-numeric:tabular-nums";
    number.textContent = value === null || value === undefined ? "–" : typeof value === "number" ? format.format(value) : String(value);
    const caption = document.createElement("div");
    caption.style.cssText = "font-size:0.85rem;opacity:0.7";
    caption.textContent = label;
    cell.append(number, caption);
    row.append(cell);
  }
  return row;
}

/** A chart with a title: <figure data-chart=name><h3>title</h3>{plot}</figure>. */
export function chart(name, title, plot) {
  const figure = document.createElement("figure");
  figure.dataset.chart = name;
  figure.style.margin = "0 0 1.5rem";
  const heading = document.createElement("h3");
  heading.textContent = title;
  figure.append(heading, plot);
  return figure;
}

/** A note in place of a chart when the data has nothing to draw. */
export function note(text) {
  const p = document.createElement("p");
  p.textContent = text;
  return p;
}
