/* Shared helpers of the Yoozak pages: CSRF token, JSON calls, French formatting, feedback. */
(function (window, document) {
  "use strict";

  var numberFormat = new Intl.NumberFormat("fr-FR", { maximumFractionDigits: 0 });
  var moneyFormat = new Intl.NumberFormat("fr-FR", { minimumFractionDigits: 2, maximumFractionDigits: 2 });
  var dateTimeFormat = new Intl.DateTimeFormat("fr-FR", {
    timeZone: "Africa/Casablanca", day: "2-digit", month: "2-digit", year: "numeric",
    hour: "2-digit", minute: "2-digit"
  });
  var timeFormat = new Intl.DateTimeFormat("fr-FR", { hour: "2-digit", minute: "2-digit", second: "2-digit" });

  function csrfToken() {
    var meta = document.querySelector('meta[name="csrf-token"]');
    return meta ? meta.getAttribute("content") : "";
  }

  /* Call a JSON endpoint; resolve with the body, reject with an Error carrying the server's message. */
  function fetchJson(url, options) {
    options = options || {};
    var headers = { "Accept": "application/json" };
    if (options.method && options.method !== "GET") {
      headers["X-CSRFToken"] = csrfToken();
    }
    return window.fetch(url, {
      method: options.method || "GET",
      headers: headers,
      credentials: "same-origin"
    }).then(function (response) {
      return response.json().catch(function () { return {}; }).then(function (body) {
        if (!response.ok) {
          var error = new Error(body.error || ("Erreur " + response.status + "."));
          error.status = response.status;
          throw error;
        }
        return body;
      });
    }, function () {
      throw new Error("Le serveur ne répond pas : vérifiez la connexion et réessayez.");
    });
  }

  /* Show a dismissible message in the page's live region (success, danger, info...). */
  function feedback(message, kind) {
    var region = document.getElementById("feedback");
    if (!region) { return; }
    var alert = document.createElement("div");
    alert.className = "alert alert-" + (kind || "info") + " alert-dismissible fade show";
    alert.setAttribute("role", kind === "danger" ? "alert" : "status");
    alert.setAttribute("data-test", "feedback-" + (kind || "info"));
    alert.textContent = message;
    var close = document.createElement("button");
    close.type = "button";
    close.className = "close";
    close.setAttribute("data-dismiss", "alert");
    close.setAttribute("aria-label", "Fermer");
    close.innerHTML = '<span aria-hidden="true">&times;</span>';
    alert.appendChild(close);
    region.textContent = "";
    region.appendChild(alert);
  }

  window.Yoozak = {
    csrfToken: csrfToken,
    fetchJson: fetchJson,
    feedback: feedback,
    formatNumber: function (value) { return numberFormat.format(Number(value) || 0); },
    formatMad: function (value) { return moneyFormat.format(Number(value) || 0) + "\u00a0MAD"; },
    formatDateTime: function (iso) { return iso ? dateTimeFormat.format(new Date(iso)) : "—"; },
    formatTime: function (date) { return timeFormat.format(date); }
  };
})(window, document);
