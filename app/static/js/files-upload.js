// Upload progress for file forms marked data-upload-progress: the form is sent with
// XMLHttpRequest so its <progress> can follow the upload; the answer (the folder page, or
// the form with the problem named) replaces the page. Without JavaScript the form posts as usual.
(function () {
  "use strict";
  document.querySelectorAll("form[data-upload-progress]").forEach(function (form) {
    var bar = form.querySelector("progress");
    if (!bar || !window.FormData || !window.XMLHttpRequest) { return; }
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      var xhr = new XMLHttpRequest();
      var button = form.querySelector("button[type=submit]");
      xhr.open("POST", form.action);
      xhr.upload.addEventListener("progress", function (e) {
        if (e.lengthComputable) { bar.value = Math.round(100 * e.loaded / e.total); }
      });
      xhr.addEventListener("load", function () {
        // The page the server answered with (after its redirect: the folder with the
        // message what was uploaded; or the form with the problem named), shown as is.
        var url = xhr.status < 400 && xhr.responseURL ? xhr.responseURL : null;
        document.open();
        document.write(xhr.responseText);
        document.close();
        if (url && window.history) { window.history.replaceState(null, "", url); }
      });
      xhr.addEventListener("error", function () {
        bar.hidden = true;
        if (button) { button.disabled = false; }
        form.submit();
      });
      bar.hidden = false;
      bar.value = 0;
      if (button) { button.disabled = true; }
      xhr.send(new FormData(form));
    });
  });
})();
