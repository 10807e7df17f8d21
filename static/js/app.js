/* Waymark: small progressive enhancements. Every page works without this file. */
(function () {
  "use strict";

  var THEMES = ["system", "light", "dark"];
  var lastClicked = null; // fallback for browsers without SubmitEvent.submitter

  function ready(fn) {
    if (document.readyState !== "loading") { fn(); } else { document.addEventListener("DOMContentLoaded", fn); }
  }

  // (a) Move focus to the error summary so screen-reader and keyboard users hear about the problem first.
  function focusErrorSummary() {
    var summary = document.querySelector(".error-summary");
    if (summary) { summary.focus(); }
  }

  function setPressed(form, theme) {
    var buttons = form.querySelectorAll('button[name="theme"]');
    for (var i = 0; i < buttons.length; i++) {
      buttons[i].setAttribute("aria-pressed", buttons[i].value === theme ? "true" : "false");
    }
  }

  // Plain submit with the chosen theme, for when fetch fails. form.submit() skips the submit event,
  // and does not send the button's value, so carry it in a hidden input.
  function fallbackSubmit(form, theme) {
    var input = document.createElement("input");
    input.type = "hidden";
    input.name = "theme";
    input.value = theme;
    form.appendChild(input);
    HTMLFormElement.prototype.submit.call(form);
  }

  // (b) Switch the theme at once, save it in the background.
  function submitTheme(event, form) {
    var button = event.submitter || lastClicked;
    if (!button || button.name !== "theme" || THEMES.indexOf(button.value) === -1) { return; }
    if (!window.fetch || !window.FormData) { return; }
    event.preventDefault();
    var theme = button.value;
    document.documentElement.setAttribute("data-theme", theme);
    setPressed(form, theme);
    var data = new FormData(form);
    data.set("theme", theme);
    window.fetch(form.action, {
      method: "POST",
      body: data,
      credentials: "same-origin",
      headers: { "X-Requested-With": "fetch" }
    }).then(function (response) {
      if (!response.ok) { fallbackSubmit(form, theme); }
    }, function () {
      fallbackSubmit(form, theme);
    });
  }

  function onSubmit(event) {
    var form = event.target;
    if (!(form instanceof HTMLFormElement) || event.defaultPrevented) { return; }
    // (c) <form data-confirm="Delete this draft?"> asks first.
    var message = form.getAttribute("data-confirm");
    if (message && !window.confirm(message)) {
      event.preventDefault();
      return;
    }
    if (form.hasAttribute("data-theme-form")) { submitTheme(event, form); }
  }

  document.addEventListener("click", function (event) {
    var target = event.target;
    var button = target && target.closest ? target.closest("button[type=submit], input[type=submit]") : null;
    lastClicked = button;
  }, true);
  document.addEventListener("submit", onSubmit);
  ready(focusErrorSummary);
})();
