// The language switch shared by the search page and the statistics page:
// each page marks its words with data-t (text) or data-tp (placeholder),
// keeps their English in its own table and calls sohoaTranslate when the
// language changes. The Vietnamese stays in the HTML, read once per element
// into vi before its first switch, so it is written in one place only.
function sohoaTranslate(en, EN, vi) {
  "use strict";
  document.documentElement.lang = en ? "en" : "vi";
  document.querySelectorAll("[data-t],[data-tp]").forEach(function (el) {
    var k = el.getAttribute("data-t"), attr = null;
    if (!k) { k = el.getAttribute("data-tp"); attr = "placeholder"; }
    if (!(k in vi)) vi[k] = attr ? el.getAttribute(attr) : el.textContent;
    var v = en ? EN[k] : vi[k];
    if (attr) el.setAttribute(attr, v); else el.textContent = v;
  });
  var b = document.getElementById("lang");
  b.textContent = en ? "Tiếng Việt" : "English";
  b.lang = en ? "vi" : "en";
}
