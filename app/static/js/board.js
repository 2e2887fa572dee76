/* Progressive enhancement only: every form works without this file. */
(function () {
  "use strict";

  // Stars toggle in place (the form posts normally without JavaScript). The button keeps the
  // focus (it is never disabled, which would drop focus to <body>) and the page's live region
  // says the new state in the page's language.
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!form.matches("form[data-star]") || !window.fetch) { return; }
    event.preventDefault();
    if (form.getAttribute("data-busy")) { return; }  // one toggle at a time
    var button = form.querySelector("button");
    form.setAttribute("data-busy", "1");
    button.setAttribute("aria-busy", "true");
    fetch(form.action, {
      method: "POST",
      body: new FormData(form),
      headers: { "Accept": "application/json" },
      credentials: "same-origin"
    }).then(function (response) {
      if (!response.ok) { throw new Error(response.status); }
      return response.json();
    }).then(function (data) {
      button.setAttribute("aria-pressed", data.starred ? "true" : "false");
      button.classList.toggle("is-starred", data.starred);
      button.title = data.label;
      button.querySelector("[aria-hidden]").textContent = data.starred ? "\u2605" : "\u2606";
      button.querySelector(".star-label").textContent = data.label + ":";
      button.querySelector(".star-count").textContent = data.count;
      form.querySelector("input[name=star]").value = data.starred ? "0" : "1";
      var live = document.getElementById("live-status");
      if (live) {
        live.textContent = live.getAttribute(data.starred ? "data-starred" : "data-unstarred");
      }
    }).catch(function () {
      form.submit();  // fall back to the plain form post
    }).then(function () {
      form.removeAttribute("data-busy");
      button.removeAttribute("aria-busy");
    });
  });

  // Videos of status updates are links. A "show video here" button (shown only with
  // JavaScript) puts the privacy-friendly player in the page on the viewer's click; before
  // that click no request goes to the video site.
  Array.prototype.forEach.call(document.querySelectorAll("[data-video] button[data-embed]"),
    function (button) {
      button.hidden = false;
      if (button.nextElementSibling) { button.nextElementSibling.hidden = false; }
      button.addEventListener("click", function () {
        var frame = document.createElement("iframe");
        frame.src = button.getAttribute("data-embed");
        frame.title = button.getAttribute("data-title");
        frame.className = "video-player";
        frame.setAttribute("allow", "fullscreen; picture-in-picture");
        frame.setAttribute("referrerpolicy", "strict-origin");
        frame.setAttribute("loading", "lazy");
        button.parentNode.replaceChild(frame, button);
        frame.focus();
      });
    });

  // Ask before destructive actions.
  document.addEventListener("submit", function (event) {
    var message = event.target.getAttribute("data-confirm");
    if (message && !window.confirm(message)) { event.preventDefault(); }
  }, true);
})();
