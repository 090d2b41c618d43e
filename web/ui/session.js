// The sign-in form shared by the search, statistics and review pages. The
// token is exchanged for a session cookie the page never sees; the server
// refuses, with the reason, tokens whose role cannot use the page, so nobody
// signs in to a page that then refuses them. The page gives english() (its
// language now), status(text, err) (its status line), loaded() (what to do
// once signed in from the form) and hide() (what to hide once signed out,
// may be absent), and name ("review" for the review page, whose roles
// differ; may be absent); loaded gets the token typed, for a page that
// changes things (a state change takes the bearer token, never the
// cookie). It gets back signedIn(body), signedOut() and who() (the
// /v1/whoami answer of the session, null when signed out).
function sohoaSignIn(page) {
  "use strict";
  var $ = function (id) { return document.getElementById(id); };
  // Every page leaves the account buttons of its account corner (header
  // .acct, which may hold a link to another page) and its sign-in form
  // out, the form saying what to sign in with in data-need: they are
  // written here, once for every page.
  var acct = document.querySelector("header .acct");
  if (acct && !$("lang")) {
    acct.insertAdjacentHTML("beforeend", '<span id="who" hidden></span><button type="button" id="logout" data-t="logout" hidden>Đăng xuất</button><button type="button" id="lang" lang="en">English</button>');
  }
  if (!$("login").children.length) {
    $("login").innerHTML = '<p data-t="needlogin"></p><p id="loginerr" class="err" role="alert" hidden></p><div class="box"><input type="password" id="token" autocomplete="current-password" data-tp="tokenph" placeholder="Mã truy cập" aria-label="Mã truy cập"><button type="submit" data-t="login">Đăng nhập</button></div>';
    $("login").firstChild.textContent = $("login").getAttribute("data-need");
  }
  var msg = function (vi, en) { return page.english() ? en : vi; };
  var who = null;
  function signedIn(body) {
    who = body;
    $("login").hidden = true; $("loginerr").hidden = true;
    $("who").textContent = body.name ? body.name + " · " + body.role : body.role;
    $("who").hidden = false; $("logout").hidden = false;
  }
  function signedOut() {
    who = null;
    $("who").hidden = true; $("logout").hidden = true;
    if (page.hide) page.hide();
    $("login").hidden = false; $("token").focus();
  }
  function loginError(text) { var e = $("loginerr"); e.textContent = text; e.hidden = !text; }
  $("login").addEventListener("submit", function (e) {
    e.preventDefault();
    loginError("");
    var token = $("token").value.trim();
    fetch("/v1/session", { method: "POST", credentials: "same-origin",
      headers: { "Content-Type": "application/json" }, body: JSON.stringify({ token: token, page: page.name || "" }) })
      .then(function (r) {
        return r.json().catch(function () { return {}; }).then(function (body) {
          if (!r.ok) {
            loginError((page.english() ? body.error : body.error_vi || body.error) || msg("Mã truy cập không đúng.", "Wrong access token."));
            return;
          }
          $("token").value = ""; signedIn(body); page.loaded(token);
        });
      })
      .catch(function () { page.status(msg("Không kết nối được máy chủ.", "Cannot reach the server."), true); });
  });
  return { signedIn: signedIn, signedOut: signedOut, who: function () { return who; } };
}
