// Arranges the single-page book for print: tools/pdf.py calls this function with page.evaluate
// once MathJax has typeset the page and print.css is in (it measures the print layout).
// Returns what it counted, and the headings for the PDF's bookmarks.
({title, author, colophonText, pageHeight}) => {
  document.title = title;
  document.documentElement.dataset.theme = "light";
  document.documentElement.dataset.mode = "light";
  document.querySelectorAll(".admonition.toggle-hidden")
    .forEach((el) => el.classList.remove("toggle-hidden"));
  document.querySelectorAll("details:not(.above-input)").forEach((el) => { el.open = true; });
  // The worked answers after the fill-in cells (tag answer): collapsed on the page, printed.
  document.querySelectorAll(".cell.tag_answer > details").forEach((el) => { el.open = true; });
  document.querySelectorAll("img[loading]").forEach((el) => { el.loading = "eager"; });

  // The recognizer needs a reader who draws: a note instead.
  const widget = document.getElementById("nn-recognizer");
  if (widget) {
    const note = document.createElement("p");
    note.className = "nn-print-note";
    note.textContent = "Here the online book has the recognizer: draw a digit with the mouse "
      + "or a finger and watch the network's ten probabilities change as you draw.";
    widget.replaceWith(note);
  }

  // The explorable figures need a reader: the static pictures the pages draw for them stay,
  // with their captions.
  document.querySelectorAll(".nn-widget").forEach((el) => el.remove());
  document.querySelectorAll(".nn-replaced").forEach((el) => el.classList.remove("nn-replaced"));

  // A book's order: cover, contents, the introduction, the chapters (the single page puts the
  // chapters where the introduction has its table of contents).
  // Each part of _toc.yml is a toctree of its own: their chapters go into the first, in order.
  const [chapters, ...otherParts] = document.querySelectorAll(".bd-article .toctree-wrapper");
  for (const part of otherParts) {
    chapters.append(...part.childNodes);
    part.remove();
  }
  const intro = chapters.parentElement;
  const text = (heading) => Array.from(heading.childNodes)
    .filter((node) => !(node.classList && node.classList.contains("headerlink")))
    .map((node) => node.textContent).join("").replace(/\s+/g, " ").trim();
  const element = (tag, className, content) => {
    const el = document.createElement(tag);
    el.className = className;
    if (content) el.textContent = content;
    return el;
  };
  const link = (target, heading) => {
    const a = document.createElement("a");
    a.href = "#" + target.id;
    a.textContent = heading ? text(heading) : target.id;
    return a;
  };

  const cover = element("div", "nn-print-cover");
  const logo = document.querySelector(".navbar-brand img, img.logo__image");
  if (logo) cover.append(logo.cloneNode());
  cover.append(intro.querySelector("h1"));
  cover.append(element("p", "nn-print-author", author));
  cover.append(element("p", "nn-print-colophon", colophonText));
  intro.prepend(cover);

  const contents = element("nav", "nn-print-contents");
  contents.append(element("h2", "", "Contents"));
  const list = document.createElement("ul");
  for (const chapter of chapters.querySelectorAll(":scope > section")) {
    const item = document.createElement("li");
    item.append(link(chapter, chapter.querySelector("h2")));
    const sections = document.createElement("ul");
    for (const section of chapter.querySelectorAll(":scope > section")) {
      const sub = document.createElement("li");
      sub.append(link(section, section.querySelector("h3")));
      sections.append(sub);
    }
    item.append(sections);
    list.append(item);
  }
  contents.append(list);
  cover.after(contents);
  intro.append(chapters);
  // Each chapter's anchor (span#document-chapters/...) into its chapter: left between two
  // chapters, it can push a page break onto a page of its own.
  chapters.querySelectorAll(":scope > span[id]").forEach((span) => {
    if (span.nextElementSibling) span.nextElementSibling.prepend(span);
  });

  // Code cells, boxes and tables stay on one page, unless longer than half a page: those start
  // where they are instead of after a gap.
  document.querySelectorAll(".cell_input, .admonition, table").forEach((el) => {
    if (el.getBoundingClientRect().height > pageHeight / 2) el.classList.add("nn-long");
  });

  // The headings in document order, the order of Chromium's bookmarks, each with its exact
  // text and its level in the PDF's outline: a page of the book (the introduction's h1, each
  // chapter's h2) at level 0, its sections below it.
  const headings = Array.from(document.querySelectorAll(
    ["h1", "h2", "h3", "h4", "h5", "h6"].map((tag) => ".bd-article " + tag).join(", ")
  ));
  return {
    headings: headings.map((heading) => ({
      title: text(heading),
      level: Number(heading.tagName.slice(1)) - (chapters.contains(heading) ? 2 : 1),
    })),
    chapters: list.children.length,
    solutions: document.querySelectorAll(".solution").length,
    images: document.images.length,
  };
}
