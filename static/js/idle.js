// Idle-timeout warning. The session ends after TONGXIN_SESSION_IDLE_MINUTES without a request
// (workflows.security.SessionPolicyMiddleware); base.html puts the seconds left on <body data-idle-seconds>.
// Two minutes before the end a notice offers 继续, which POSTs to data-idle-extend-url to keep the session; at the
// end the page goes to the login page. Tabs share the latest deadline through localStorage, so a page still open
// in a second tab does not send the user away while they work in the first.
//   data-idle-seconds, data-idle-warn-seconds, data-idle-extend-url, data-login-url,
//   data-idle-warning, data-idle-continue   (texts translated by the template)
(function () {
  "use strict";

  var body = document.body;
  var left = parseInt(body.getAttribute("data-idle-seconds") || "", 10);
  var extendUrl = body.getAttribute("data-idle-extend-url");
  if (!(left > 0) || !extendUrl) {
    return;
  }
  var warnBefore = parseInt(body.getAttribute("data-idle-warn-seconds") || "120", 10) * 1000;
  var loginUrl = body.getAttribute("data-login-url") || "/accounts/login/";
  var KEY = "tongxin.idle.deadline";
  var deadline = Date.now() + left * 1000;
  var notice = null;
  var clock = null;

  function shared() {
    try {
      return parseInt(window.localStorage.getItem(KEY) || "0", 10) || 0;
    } catch (e) {
      return 0;
    }
  }

  function share(value) {
    deadline = value;
    try {
      if (value > shared()) {
        window.localStorage.setItem(KEY, String(value));
      }
    } catch (e) {
      // Private mode: this tab keeps its own deadline.
    }
  }

  function csrfToken() {
    var field = document.querySelector("input[name=csrfmiddlewaretoken]");
    if (field) {
      return field.value;
    }
    var match = document.cookie.match(/(?:^|;\s*)csrftoken=([^;]+)/);
    return match ? decodeURIComponent(match[1]) : "";
  }

  function toLogin() {
    window.location.assign(loginUrl + "?next=" + encodeURIComponent(window.location.pathname + window.location.search));
  }

  function hide() {
    if (notice) {
      notice.hidden = true;
    }
  }

  function show(msLeft) {
    if (!notice) {
      notice = document.createElement("div");
      notice.className = "card idle-warning";
      notice.setAttribute("role", "alertdialog");
      notice.setAttribute("data-testid", "idle-warning");
      // CSSOM properties, not a style attribute: allowed under style-src 'self'.
      notice.style.position = "fixed";
      notice.style.right = "1rem";
      notice.style.bottom = "1rem";
      notice.style.zIndex = "1000";
      notice.style.maxWidth = "24rem";
      var text = document.createElement("p");
      text.textContent = body.getAttribute("data-idle-warning") || "";
      clock = document.createElement("strong");
      clock.setAttribute("data-testid", "idle-countdown");
      text.appendChild(clock);
      var button = document.createElement("button");
      button.type = "button";
      button.textContent = body.getAttribute("data-idle-continue") || "OK";
      button.setAttribute("data-testid", "idle-continue");
      button.addEventListener("click", keep);
      notice.appendChild(text);
      notice.appendChild(button);
      body.appendChild(notice);
    }
    var seconds = Math.max(0, Math.ceil(msLeft / 1000));
    clock.textContent = Math.floor(seconds / 60) + ":" + String(seconds % 60).padStart(2, "0");
    notice.hidden = false;
  }

  function keep() {
    window.fetch(extendUrl, {
      method: "POST",
      credentials: "same-origin",
      headers: {"X-CSRFToken": csrfToken(), "X-Requested-With": "XMLHttpRequest"},
    }).then(function (response) {
      if (!response.ok) {
        throw new Error(String(response.status));
      }
      return response.json();
    }).then(function (data) {
      share(Date.now() + (data.idle_seconds || left) * 1000);
      hide();
    }).catch(toLogin);
  }

  function tick() {
    var end = Math.max(deadline, shared());
    var msLeft = end - Date.now();
    if (msLeft <= 0) {
      window.clearInterval(timer);
      toLogin();
    } else if (msLeft <= warnBefore) {
      show(msLeft);
    } else {
      hide();
    }
  }

  share(deadline);
  var timer = window.setInterval(tick, 1000);
})();
