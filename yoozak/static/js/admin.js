/* Flask-Admin pages without inline handlers: what its templates did in onclick="" attributes,
   bound here so that the admin Content-Security-Policy needs no 'unsafe-inline'.
   The templates under templates/admin/ carry data attributes instead of handlers. */
(function (document) {
  "use strict";

  // Capture phase: Flask-Admin's dropdown hack stops the click's propagation without
  // preventing its default, so a bubbling listener would never see the toggles.
  document.addEventListener("click", function (event) {
    var link = event.target.closest("a");
    if (link) {
      var href = link.getAttribute("href") || "";
      // Placeholder links ("#", and the javascript:void(0) Flask-Admin still prints) go nowhere:
      // a javascript: URL would be refused by the CSP, and "#" would jump to the top.
      if (href === "#" || href.indexOf("javascript:") === 0) {
        event.preventDefault();
      }
      var action = link.getAttribute("data-admin-action");
      if (action && window.modelActions) {
        window.modelActions.execute(action);
      }
      return;
    }
    var button = event.target.closest("button[data-confirm]");
    if (button && !window.confirm(button.getAttribute("data-confirm"))) {
      event.preventDefault();
    }
  }, true);
})(document);
