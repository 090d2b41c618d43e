// The DOM helpers the pages share: sohoaEl builds an element with a class
// and a text (both optional), sohoaStatus writes the page's status line
// (#status), in red for an error.
function sohoaEl(tag, cls, text) {
  "use strict";
  var e = document.createElement(tag);
  if (cls) e.className = cls;
  if (text != null) e.textContent = text;
  return e;
}
function sohoaStatus(text, err) {
  "use strict";
  var s = document.getElementById("status");
  s.textContent = text; s.className = err ? "err" : "";
}
