/* Progressive enhancement only: every form works without this file. */
(function () {
  "use strict";

  // Stars toggle in place (the form posts normally without JavaScript).
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!form.matches("form[data-star]") || !window.fetch) { return; }
    event.preventDefault();
    var button = form.querySelector("button");
    button.disabled = true;
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
    }).catch(function () {
      form.submit();  // fall back to the plain form post
    }).then(function () { button.disabled = false; });
  });

  // Ask before destructive actions.
  document.addEventListener("submit", function (event) {
    var message = event.target.getAttribute("data-confirm");
    if (message && !window.confirm(message)) { event.preventDefault(); }
  }, true);
})();
