// sohoa desk review page: the official's queue of documents awaiting their
// signature; per document the page thumbnails, a page view with the words
// OCR doubts boxed, corrections of a word or a line, page operations, and
// "Ký số", which asks the official's local signing agent (sohoa sign
// --agent on 127.0.0.1) to sign with their token. Changes go with the
// bearer token typed at sign-in (kept in memory only); reads use the
// session cookie, so images load as plain <img>.
(function () {
  "use strict";
  var $ = function (id) { return document.getElementById(id); };
  var EN = {
    title: "Review and sign", logout: "Sign out", login: "Sign in", tokenph: "Access token",
    needlogin: "Enter the access token of your desk (scanner station) to review and sign the documents awaiting signature.",
    queue: "Documents awaiting signature", back: "← Documents awaiting signature",
    rotl: "⟲ Turn left", rotr: "⟳ Turn right", up: "↑ Move earlier", down: "↓ Move later", blank: "Blank page", del: "Delete page",
    rescan: "Replace with a re-scan",
    hint: "Words boxed in red are those OCR doubts (low confidence, or not a Vietnamese syllable). Click a word to correct it or its whole line.",
    word: "Word", line: "Whole line", saveword: "Save word", saveline: "Save line", cancel: "Cancel",
    sign: "Sign", audit: "Review log", newer: "A newer revision exists: open it →"
  };
  var VI = {};
  var en = localStorage.getItem("sohoa.lang") === "en";
  var msg = function (vi, eng) { return en ? eng : vi; };
  var agent = "http://127.0.0.1:" + (new URLSearchParams(location.search).get("agent") || localStorage.getItem("sohoa.agent") || "8765");
  var token = "";      // typed at sign-in, for changes; never stored
  var queue = [];      // signing requests awaiting
  var req = null;      // the signing request open, when known
  var signed = "";     // the result code, when the document shown is signed
  var doc = null;      // GET /v1/review/{batch}
  var sel = 0;         // the page shown (its name in the review log)
  var view = null;     // GET /v1/review/{batch}/pages/{sel}
  var picked = null;   // {line, word} being edited

  var status = sohoaStatus, el = sohoaEl; // ui/dom.js
  function errText(body, r) {
    return (en ? body.error : body.error_vi || body.error) || (msg("Lỗi ", "Error ") + r.status);
  }
  // api fetches JSON; changes carry the bearer token, reads the cookie.
  function api(path, opts) {
    opts = opts || {};
    var h = { "Content-Type": "application/json" };
    if (opts.method && opts.method !== "GET") {
      if (!token) { var e = new Error(msg("Nhập lại mã truy cập để sửa hoặc ký.", "Enter the access token again to change or sign.")); e.signin = true; return Promise.reject(e); }
      h.Authorization = "Bearer " + token;
    }
    return fetch(path, { method: opts.method || "GET", credentials: "same-origin", headers: h,
      body: opts.body ? JSON.stringify(opts.body) : undefined })
      .then(function (r) {
        return r.json().catch(function () { return {}; }).then(function (body) {
          if (r.status === 401) { var e = new Error(errText(body, r)); e.signin = true; throw e; }
          if (!r.ok) { var x = new Error(errText(body, r)); x.status = r.status; throw x; }
          return body;
        });
      });
  }
  function failed(e) {
    if (e.signin) { session.signedOut(); status(e.message, true); return; }
    status(e.message === "Failed to fetch" ? msg("Không kết nối được máy chủ.", "Cannot reach the server.") : e.message, true);
  }

  function applyLang() {
    sohoaTranslate(en, EN, VI);
    document.title = en ? EN.title : VI.title;
    if (doc) renderDoc();
    else renderQueue();
  }

  // ---- the queue ----
  function loadQueue() {
    $("doc").hidden = true; doc = null; req = null; signed = "";
    return api("/v1/signing?state=awaiting").then(function (body) {
      queue = body.requests || [];
      renderQueue();
    }).catch(function (e) {
      if (e.status === 404) { queue = []; renderQueue(); return; }
      failed(e);
    });
  }
  function renderQueue() {
    var ol = $("qlist");
    ol.textContent = "";
    $("queue").hidden = !session.who();
    queue.forEach(function (r) {
      var li = el("li");
      var d = el("div");
      d.appendChild(el("div", "t", r.title || r.result_code));
      d.appendChild(el("div", "m", r.result_code + " · " + r.pages + msg(" trang", " pages") + " · " + (r.official || "")));
      var b = el("button", "", msg("Rà soát", "Review"));
      b.type = "button";
      b.addEventListener("click", function () { req = r; openDoc(r.batch_id); });
      li.appendChild(d); li.appendChild(b);
      ol.appendChild(li);
    });
    if (session.who() && !queue.length) status(msg("Không có văn bản nào chờ ký.", "Nothing awaits a signature."));
  }

  // ---- one document ----
  function openDoc(batch) {
    status("");
    return api("/v1/review/" + encodeURIComponent(batch)).then(function (d) {
      doc = d;
      if (!doc.pages.some(function (p) { return p.page === sel; })) sel = doc.pages.length ? doc.pages[0].page : 0;
      $("queue").hidden = true; $("doc").hidden = false;
      history.replaceState(null, "", "/review?batch=" + encodeURIComponent(batch));
      renderDoc();
      return loadPage();
    }).catch(failed);
  }
  function imgURL(p, w) {
    return "/v1/review/" + encodeURIComponent(doc.batch_id) + "/pages/" + p + "/image?w=" + w + "&v=" + doc.seq;
  }
  function renderDoc() {
    $("dtitle").textContent = doc.title;
    $("dmeta").textContent = doc.dossier_code + " · " + doc.pages.length + msg(" trang", " pages") +
      (req ? " · " + req.result_code + " · SHA-256 " + (req.sha256 || "").slice(0, 16) : "") +
      (doc.revision_of ? " · " + msg("bản sửa đổi của kết quả đã ký, sẽ là kết quả mới ", "revision of a signed result, to become the new result ") + (doc.result_code || "") : "") +
      (doc.revisable ? " · " + msg("đã ký " + doc.result_code + ": tệp đã ký không bị sửa, mỗi thay đổi tạo kết quả mới",
        "signed " + doc.result_code + ": the signed file is never altered, a change makes a new result") :
        doc.editable ? "" : " · " + msg("không sửa được nữa (chưa đọc xong hoặc quá hạn ký)", "can no longer be changed (not fully read or past its signing deadline)"));
    $("newer").hidden = !doc.revised_by;
    var t = $("thumbs");
    t.textContent = "";
    doc.pages.forEach(function (p, i) {
      var s = el("div", "scan" + (p.page === sel ? " sel" : "") + (p.needs_review ? " flag" : "") + (p.blank ? " blank" : ""));
      var im = el("img", "thumb");
      im.src = imgURL(p.page, 160); im.alt = msg("Trang ", "Page ") + (i + 1);
      im.style.transform = turn(p.rotate, 1.414);
      s.appendChild(im);
      s.appendChild(el("span", "pn", String(i + 1) + (p.edits ? " ✎" : "")));
      s.addEventListener("click", function () { sel = p.page; renderDoc(); loadPage(); });
      t.appendChild(s);
    });
    ["rotl", "rotr", "up", "down", "blank", "del", "rescan"].forEach(function (id) { $(id).disabled = !changeable(); });
    $("sign").disabled = !req;
    $("signst").textContent = req ? "" : signed ? msg("Đã ký: ", "Signed: ") + signed :
      msg("Văn bản này không có yêu cầu ký.", "This document has no signing request.");
    var a = $("audit");
    a.textContent = "";
    doc.changes.slice().reverse().forEach(function (c) {
      var what = c.kind + " " + msg("trang ", "page ") + c.page;
      if (c.kind === "word" || c.kind === "line") what += ": «" + c.old_text + "» → «" + c.text + "»";
      if (c.kind === "rotate") what += " " + c.degrees + "°";
      if (c.kind === "move") what += " → " + c.position;
      a.appendChild(el("li", "", "#" + c.seq + " " + new Date(c.created_at).toLocaleString(en ? "en-GB" : "vi-VN") + " · " + c.reviewer + " · " + what));
    });
  }
  // turn is the CSS turn of a page image height/width = ratio: a quarter
  // turn shrinks it to keep within its width.
  function turn(deg, ratio) {
    return "rotate(" + deg + "deg)" + (deg % 180 ? " scale(" + (1 / ratio).toFixed(3) + ")" : "");
  }
  function current() { return doc.pages.filter(function (p) { return p.page === sel; })[0]; }
  function loadPage() {
    if (!sel) return Promise.resolve();
    return api("/v1/review/" + encodeURIComponent(doc.batch_id) + "/pages/" + sel).then(function (v) {
      view = v; renderPage();
    }).catch(failed);
  }
  function renderPage() {
    var p = current();
    if (!p || !view) return;
    var w = Math.min(1600, Math.max(400, Math.round($("stage").clientWidth * (window.devicePixelRatio || 1))));
    $("scan").src = imgURL(p.page, w);
    $("turn").style.transform = turn(p.rotate, view.height / view.width);
    var boxes = $("boxes");
    boxes.textContent = "";
    $("edit").hidden = true;
    view.lines.forEach(function (ln, li) {
      ln.words.forEach(function (wd, wi) {
        var b = el("span", wd.doubt ? "doubt" : (wd.confidence >= 100 ? "fixed" : ""));
        b.style.left = (100 * wd.box.x0 / view.width) + "%";
        b.style.top = (100 * wd.box.y0 / view.height) + "%";
        b.style.width = (100 * (wd.box.x1 - wd.box.x0) / view.width) + "%";
        b.style.height = (100 * (wd.box.y1 - wd.box.y0) / view.height) + "%";
        b.title = wd.text + (wd.doubt ? " (" + (wd.doubt === "low_confidence" ? msg("độ tin thấp", "low confidence") : msg("không phải âm tiết", "not a syllable")) + ")" : "");
        b.dataset.line = li; b.dataset.word = wi;
        b.addEventListener("click", function () { pick(li, wi); });
        boxes.appendChild(b);
      });
    });
  }
  // changeable: before signing, or signed and a change makes a new result.
  function changeable() { return doc.editable || (doc.revisable && !doc.revised_by); }
  function pick(li, wi) {
    if (!changeable()) return;
    picked = { line: li, word: wi };
    var ln = view.lines[li];
    $("wordin").value = ln.words[wi].text;
    $("linein").value = ln.words.map(function (w) { return w.text; }).join(" ");
    $("edit").hidden = false;
    $("wordin").focus();
  }
  // change posts one review change made on what the page shows (after =
  // the log the official saw) and shows the document as it now stands.
  function change(c) {
    c.after = doc.seq;
    return api("/v1/review/" + encodeURIComponent(doc.batch_id) + "/changes", { method: "POST", body: c }).then(function (d) {
      var revised = d.batch_id !== doc.batch_id;
      doc = d;
      if (!doc.pages.some(function (p) { return p.page === sel; })) sel = doc.pages.length ? doc.pages[0].page : 0;
      if (revised) {
        // The change went to a revision of the signed document: go on with it.
        req = null; signed = "";
        history.replaceState(null, "", "/review?batch=" + encodeURIComponent(doc.batch_id));
        status(msg("Đã lưu vào bản sửa đổi. Kết quả đã ký giữ nguyên; bản mới sẽ chờ ký.", "Saved to a revision. The signed result stays as it is; the new version will await signature."));
        findRequest(10);
      } else {
        status(msg("Đã lưu. Văn bản chờ ký đã được dựng lại.", "Saved. The document awaiting signature was rebuilt."));
      }
      renderDoc();
      return loadPage();
    }).catch(failed);
  }
  // findRequest looks for the open document's signing request (a new
  // revision gets one once it is assembled), trying up to n times.
  function findRequest(n) {
    var batch = doc.batch_id;
    api("/v1/signing?state=awaiting").then(function (body) {
      if (!doc || doc.batch_id !== batch) return;
      req = (body.requests || []).filter(function (r) { return r.batch_id === batch; })[0] || null;
      if (req) renderDoc();
      else if (n > 1) setTimeout(function () { findRequest(n - 1); }, 2000);
    }).catch(function () {});
  }
  $("newer").addEventListener("click", function (e) {
    e.preventDefault();
    if (doc && doc.revised_by) { req = null; signed = ""; openDoc(doc.revised_by).then(function () { findRequest(1); }); }
  });
  $("edit").addEventListener("submit", function (e) {
    e.preventDefault();
    var ln = view.lines[picked.line];
    change({ kind: "word", page: sel, line: picked.line, word: picked.word, old_text: ln.words[picked.word].text, text: $("wordin").value });
  });
  $("saveline").addEventListener("click", function () {
    var ln = view.lines[picked.line];
    change({ kind: "line", page: sel, line: picked.line, old_text: ln.words.map(function (w) { return w.text; }).join(" "), text: $("linein").value });
  });
  $("cancel").addEventListener("click", function () { $("edit").hidden = true; });
  function position() { return doc.pages.findIndex(function (p) { return p.page === sel; }) + 1; }
  $("rotl").addEventListener("click", function () { change({ kind: "rotate", page: sel, degrees: 270 }); });
  $("rotr").addEventListener("click", function () { change({ kind: "rotate", page: sel, degrees: 90 }); });
  $("up").addEventListener("click", function () { if (position() > 1) change({ kind: "move", page: sel, position: position() - 1 }); });
  $("down").addEventListener("click", function () { if (position() < doc.pages.length) change({ kind: "move", page: sel, position: position() + 1 }); });
  $("blank").addEventListener("click", function () { change({ kind: "blank", page: sel, blank: !current().blank }); });
  $("del").addEventListener("click", function () {
    if (confirm(msg("Xóa trang này khỏi văn bản?", "Delete this page from the document?"))) change({ kind: "delete", page: sel });
  });
  // A re-scan of the selected page: sent with the bearer token, read by
  // the server afterwards; the log shows "replace" once it is read.
  $("rescan").addEventListener("click", function () { $("rescanfile").value = ""; $("rescanfile").click(); });
  $("rescanfile").addEventListener("change", function () {
    var f = $("rescanfile").files[0];
    if (!f || !doc) return;
    var fd = new FormData();
    fd.append("manifest", JSON.stringify({ file: f.name, after: doc.seq }));
    fd.append("file", f, f.name);
    status(msg("Đang gửi bản quét lại…", "Sending the re-scan…"));
    fetch("/v1/review/" + encodeURIComponent(doc.batch_id) + "/pages/" + sel + "/rescan",
      { method: "POST", headers: { "Authorization": "Bearer " + token }, body: fd })
      .then(function (r) {
        return r.json().catch(function () { return {}; }).then(function (body) {
          if (!r.ok) throw new Error(errText(body, r));
          status(msg("Đã nhận bản quét lại; trang sẽ được thay khi đọc xong (tải lại sau ít giây).",
            "Re-scan received; the page is replaced once it is read (reload in a few seconds)."));
          if (body.batch_id && body.batch_id !== doc.batch_id) setTimeout(function () { openDoc(body.batch_id); }, 3000);
        });
      })
      .catch(failed);
  });
  $("back").addEventListener("click", function (e) { e.preventDefault(); history.replaceState(null, "", "/review"); loadQueue(); });

  // ---- signing through the local agent ----
  $("sign").addEventListener("click", function () {
    if (!req) return;
    $("sign").disabled = true;
    $("signst").textContent = msg("Đang chờ xác nhận và mã PIN trên phần mềm ký của máy này…", "Waiting for confirmation and the PIN in this PC's signing agent…");
    fetch(agent + "/sign", { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify({ id: req.id }) })
      .then(function (r) {
        return r.json().catch(function () { return {}; }).then(function (body) {
          if (!r.ok) throw new Error(errText(body, r));
          status(msg("Đã ký và liên kết ", "Signed and linked ") + body.result_code);
          req = null; signed = body.result_code; doc.editable = false; renderDoc();
        });
      })
      .catch(function (e) {
        $("sign").disabled = false;
        $("signst").textContent = e.message === "Failed to fetch"
          ? msg("Không gọi được phần mềm ký trên máy này (sohoa sign --agent) tại ", "Cannot reach this PC's signing agent (sohoa sign --agent) at ") + agent
          : e.message;
      });
  });

  // ---- sign-in (ui/session.js) ----
  var session = sohoaSignIn({
    name: "review",
    english: function () { return en; }, status: status,
    loaded: function (t) { token = t; start(); },
    hide: function () { $("queue").hidden = $("doc").hidden = true; }
  });
  $("logout").addEventListener("click", function () {
    fetch("/v1/session", { method: "DELETE", credentials: "same-origin" }).then(function () {
      token = ""; doc = null; session.signedOut(); status(msg("Đã đăng xuất.", "Signed out."));
    });
  });
  $("lang").addEventListener("click", function () {
    en = !en; localStorage.setItem("sohoa.lang", en ? "en" : "vi"); applyLang();
  });
  var resized = 0;
  window.addEventListener("resize", function () {
    clearTimeout(resized);
    resized = setTimeout(function () { if (view) renderPage(); }, 150);
  });
  function start() {
    var batch = new URLSearchParams(location.search).get("batch");
    loadQueue().then(function () {
      if (!batch) return;
      req = queue.filter(function (r) { return r.batch_id === batch; })[0] || null;
      if (req) return openDoc(batch);
      // Not awaiting: say so if it is signed (a reload after signing).
      return api("/v1/signing?state=signed").then(function (body) {
        var r = (body.requests || []).filter(function (r) { return r.batch_id === batch; })[0];
        if (r) signed = r.result_code;
      }).catch(function () {}).then(function () { return openDoc(batch); });
    });
  }
  applyLang();
  fetch("/v1/whoami", { credentials: "same-origin" })
    .then(function (r) { return r.ok ? r.json() : null; })
    .then(function (body) {
      if (!body || (body.role !== "station" && body.role !== "admin")) { session.signedOut(); return; }
      session.signedIn(body); start();
    })
    .catch(function () { session.signedOut(); });
})();
