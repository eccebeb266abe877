// Small conveniences on top of pages that work without JavaScript.
(function () {
  "use strict";
  document.documentElement.classList.add("js");

  // a polite live region announces copies to screen readers; the button shows a short tooltip
  var status = document.createElement("p");
  status.className = "visually-hidden";
  status.setAttribute("aria-live", "polite");
  document.body.appendChild(status);

  function flash(button, text) {
    status.textContent = text;
    button.setAttribute("data-flash", text);
    button.classList.add("flashed");
    setTimeout(function () { button.classList.remove("flashed"); }, 1600);
  }

  function copy(text, button) {
    var done = function () { flash(button, "Copied"); };
    if (navigator.clipboard && window.isSecureContext) {
      navigator.clipboard.writeText(text).then(done, function () { flash(button, "Copy failed"); });
    } else {
      var area = document.createElement("textarea");
      area.value = text;
      document.body.appendChild(area);
      area.select();
      document.execCommand("copy");
      area.remove();
      done();
    }
  }

  document.addEventListener("click", function (event) {
    var button = event.target.closest("[data-copy], [data-copy-text]");
    if (button) {
      var source = button.hasAttribute("data-copy") && document.querySelector(button.getAttribute("data-copy"));
      copy(source ? (source.value !== undefined && source.tagName === "INPUT" ? source.value : source.textContent)
                  : button.getAttribute("data-copy-text"), button);
    }
    // a click outside an open menu closes it
    document.querySelectorAll("details.menu[open]").forEach(function (menu) {
      if (!menu.contains(event.target)) { menu.removeAttribute("open"); }
    });
  });

  document.addEventListener("keydown", function (event) {
    if (event.key !== "Escape") { return; }
    document.querySelectorAll("details.menu[open]").forEach(function (menu) {
      menu.removeAttribute("open");
      menu.querySelector("summary").focus();
    });
  });

  // sort menus apply themselves; their Apply button stays for keyboards and for pages without scripts
  document.querySelectorAll("select[data-autosubmit]").forEach(function (select) {
    select.addEventListener("change", function () { select.form.submit(); });
  });

  // the delete button waits until the repo id has been typed exactly
  document.querySelectorAll("[data-confirm-for]").forEach(function (input) {
    var button = document.querySelector(input.getAttribute("data-confirm-for"));
    var check = function () { button.disabled = input.value.trim() !== input.getAttribute("data-expected"); };
    input.addEventListener("input", check);
    check();
  });

  // list the files picked for upload, with their sizes
  document.querySelectorAll("input[type=file][data-file-list]").forEach(function (input) {
    var list = document.querySelector(input.getAttribute("data-file-list"));
    input.addEventListener("change", function () {
      list.textContent = "";
      Array.prototype.forEach.call(input.files, function (file) {
        var item = document.createElement("li");
        item.textContent = file.name + " (" + humanSize(file.size) + ")";
        list.appendChild(item);
      });
    });
  });

  function humanSize(size) {
    var units = ["B", "kB", "MB", "GB", "TB"];
    var value = size;
    var unit = 0;
    while (value >= 1000 && unit < units.length - 1) { value /= 1000; unit += 1; }
    return unit === 0 ? value + " B" : value.toFixed(1) + " " + units[unit];
  }
}());
