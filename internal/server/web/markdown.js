// Markdown as the page shows it. A model's text is untrusted (a web page
// or a file it read may have told it what to write), so: marked parses it
// (GitHub-flavoured: tables, task lists, fenced code) with any HTML in it
// shown as text, never as markup; DOMPurify then sanitizes marked's HTML
// with a strict list (no script, style, forms, images, SVG, ids or
// classes; links only to http(s) and mail); only then does this page
// enhance it: code blocks highlighted by highlight.js from their text,
// with a copy button. The page's CSP is the last wall: no inline script
// runs and nothing is loaded from elsewhere.

/* global marked, DOMPurify, hljs */

// Links may lead to web pages and mail only: no javascript:, data:,
// blob:, or relative URLs into this page's own API.
const safeHref = /^(?:https?:|mailto:)/i;
const languageClass = /^language-[\w+#-]{1,30}$/;

const purifyConfig = {
  USE_PROFILES: { html: true }, // no SVG, no MathML
  FORBID_TAGS: ["style", "img", "form", "input", "button", "textarea", "select", "option", "iframe",
    "video", "audio", "source", "picture", "dialog", "details", "summary"],
  FORBID_ATTR: ["style", "id", "name", "srcset", "formaction", "autofocus", "tabindex", "target"],
  ALLOW_DATA_ATTR: false,
  RETURN_DOM_FRAGMENT: true,
};

let parser = null;

function setUp() {
  parser = new marked.Marked({ gfm: true, breaks: false });
  parser.use({
    renderer: {
      // The model's own HTML is shown as the text it is. Parsing it, even
      // only to sanitize it, would have the browser meet its event
      // attributes and styles (the CSP blocks them, noisily).
      html({ text }) { return escapeHTML(text); },
      // Task list boxes: a named picture, not a form control.
      checkbox({ checked }) {
        return checked ? '<span role="img" aria-label="done">✓</span> ' : '<span role="img" aria-label="to do">☐</span> ';
      },
      // Images are never loaded (the CSP would refuse them anyway): a link to them instead.
      image({ href, text }) {
        return `<a href="${escapeHTML(href || "")}">Image: ${escapeHTML(text || href || "untitled")}</a>`;
      },
    },
  });
  DOMPurify.addHook("uponSanitizeAttribute", (node, data) => {
    // Classes are the page's own; the model may only name a code block's language.
    if (data.attrName === "class") data.keepAttr = node.tagName === "CODE" && languageClass.test(data.attrValue);
  });
  DOMPurify.addHook("afterSanitizeAttributes", (node) => {
    if (node.tagName !== "A") return;
    const href = node.getAttribute("href") || "";
    if (!safeHref.test(href)) {
      node.removeAttribute("href");
      return;
    }
    node.setAttribute("target", "_blank");
    node.setAttribute("rel", "noopener noreferrer nofollow");
  });
}

const escapes = { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" };

/** escapeHTML makes text safe between tags or in an attribute. */
export function escapeHTML(s) { return String(s).replace(/[&<>"']/g, (c) => escapes[c]); }

// Highlighting every block again for every streamed piece would be slow:
// blocks already done are remembered (the last one changes as it streams).
const highlighted = new Map();

function highlight(code, lang) {
  if (typeof hljs === "undefined" || !lang || !hljs.getLanguage(lang)) return null;
  const key = lang + "\u0000" + code;
  let html = highlighted.get(key);
  if (html === undefined) {
    html = hljs.highlight(code, { language: lang, ignoreIllegals: true }).value;
    if (highlighted.size >= 300) highlighted.delete(highlighted.keys().next().value);
    highlighted.set(key, html);
  }
  return html;
}

// enhance turns each sanitized <pre><code> into the page's code block:
// language label, copy button, highlighting (highlight.js's output is
// spans around its escaped input text, so it adds no markup of the model's).
function enhance(root) {
  for (const code of root.querySelectorAll("pre > code")) {
    const pre = code.parentNode;
    const m = /language-([\w+#-]+)/.exec(code.className);
    const lang = m ? m[1].toLowerCase() : "";
    const html = highlight(code.textContent.replace(/\n$/, ""), lang);
    if (html !== null) code.innerHTML = html;
    code.className = "hljs";
    pre.tabIndex = 0; // a long line scrolls: keyboards must reach it
    const block = document.createElement("div");
    block.className = "code-block";
    const head = document.createElement("div");
    head.className = "code-head";
    const label = document.createElement("span");
    label.className = "code-lang";
    label.textContent = lang || "text";
    const copy = document.createElement("button");
    copy.type = "button";
    copy.className = "copy-code";
    copy.textContent = "Copy";
    copy.setAttribute("aria-label", "Copy code" + (lang ? " (" + lang + ")" : ""));
    head.append(label, copy);
    pre.replaceWith(block);
    block.append(head, pre);
  }
  for (const table of root.querySelectorAll("table")) {
    const wrap = document.createElement("div");
    wrap.className = "table-wrap";
    table.replaceWith(wrap);
    wrap.append(table);
  }
}

/** fragment renders markdown into a sanitized, enhanced DocumentFragment. */
export function fragment(text) {
  if (!parser) setUp();
  const frag = DOMPurify.sanitize(parser.parse(text), purifyConfig);
  enhance(frag);
  return frag;
}

/**
 * renderInto shows markdown in el, changing only the blocks that differ
 * from what el shows: while an answer streams in, the blocks already
 * done stay as they are (no flicker, a selection in them survives), and
 * only the last one or two are replaced.
 */
export function renderInto(el, text) {
  const next = fragment(text);
  const fresh = Array.from(next.childNodes);
  const old = el.childNodes;
  let i = 0;
  while (i < fresh.length && i < old.length && old[i].isEqualNode(fresh[i])) i++;
  while (old.length > i) el.lastChild.remove();
  for (const node of fresh.slice(i)) el.append(node);
}
