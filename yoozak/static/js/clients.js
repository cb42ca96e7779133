/* Client pages: live stats, status toggle with confirmation, order history paging. */
(function (window, document, $) {
  "use strict";

  var Y = window.Yoozak;

  /* ---------------------------------------------------------------- live stats */

  var statsBox = document.querySelector(".js-stats");
  var statsBusy = false;

  function refreshStats(manual) {
    if (!statsBox || statsBusy) { return Promise.resolve(); }
    statsBusy = true;
    return Y.fetchJson(statsBox.getAttribute("data-url")).then(function (stats) {
      Object.keys(stats).forEach(function (key) {
        var cell = statsBox.querySelector('[data-stat="' + key + '"]');
        if (cell) { cell.textContent = Y.formatNumber(stats[key]); }
      });
      var stamp = document.querySelector(".js-stats-updated");
      if (stamp) { stamp.textContent = "Chiffres mis à jour à " + Y.formatTime(new Date()) + "."; }
      if (manual) { Y.feedback("Statistiques actualisées.", "info"); }
    }).catch(function (error) {
      Y.feedback("Impossible d'actualiser les statistiques : " + error.message, "danger");
    }).then(function () { statsBusy = false; });
  }

  if (statsBox) {
    var seconds = parseInt(statsBox.getAttribute("data-refresh-seconds"), 10);
    if (seconds > 0) {
      window.setInterval(function () {
        if (!document.hidden) { refreshStats(false); }
      }, seconds * 1000);
    }
    document.addEventListener("visibilitychange", function () {
      if (!document.hidden) { refreshStats(false); }
    });
    var refreshButton = document.querySelector(".js-stats-refresh");
    if (refreshButton) {
      refreshButton.addEventListener("click", function () { refreshStats(true); });
    }
  }

  /* ---------------------------------------------------------------- status toggle */

  function showStatus(clientId, active) {
    document.querySelectorAll('[data-status-for="' + clientId + '"]').forEach(function (badge) {
      badge.textContent = active ? "Actif" : "Inactif";
      badge.classList.toggle("badge-success", active);
      badge.classList.toggle("badge-secondary", !active);
    });
    document.querySelectorAll('.js-toggle[data-client-id="' + clientId + '"]').forEach(function (button) {
      button.setAttribute("data-active", active ? "true" : "false");
      button.textContent = active ? "Désactiver" : "Activer";
      button.classList.toggle("btn-outline-danger", active);
      button.classList.toggle("btn-outline-success", !active);
    });
    document.querySelectorAll('.js-client-row[data-client-id="' + clientId + '"]').forEach(function (row) {
      row.classList.toggle("is-inactive", !active);
    });
  }

  function toggle(button) {
    var clientId = button.getAttribute("data-client-id");
    var name = button.getAttribute("data-client-name");
    button.disabled = true;
    button.setAttribute("aria-busy", "true");
    Y.fetchJson(button.getAttribute("data-url"), { method: "POST" }).then(function (body) {
      showStatus(clientId, body.is_active);
      Y.feedback(name + (body.is_active ? " est de nouveau actif." : " est désormais inactif."), "success");
      return refreshStats(false);
    }).catch(function (error) {
      Y.feedback("Le statut de " + name + " n'a pas changé : " + error.message, "danger");
    }).then(function () {
      button.disabled = false;
      button.removeAttribute("aria-busy");
      button.focus();
    });
  }

  var modal = document.getElementById("confirm-toggle");
  var pending = null;
  // Bootstrap ignores hide() while the modal is still fading in: remember it and hide once shown.
  var modalShown = false;
  var hideWhenShown = false;

  function hideModal() {
    if (modalShown) {
      $(modal).modal("hide");
    } else {
      hideWhenShown = true;
    }
  }

  document.addEventListener("click", function (event) {
    var button = event.target.closest(".js-toggle");
    if (!button || button.disabled) { return; }
    event.preventDefault();
    if (button.getAttribute("data-active") === "true" && modal) {
      pending = button;
      modal.querySelector(".js-confirm-name").textContent = button.getAttribute("data-client-name");
      modalShown = false;
      hideWhenShown = false;
      $(modal).modal("show");
    } else {
      toggle(button);
    }
  });

  if (modal) {
    modal.querySelector(".js-confirm-ok").addEventListener("click", function () {
      var button = pending;
      pending = null;
      hideModal();
      if (button) { toggle(button); }
    });
    $(modal).on("shown.bs.modal", function () {
      modalShown = true;
      modal.setAttribute("data-ready", "true");  // fully shown: its buttons now answer
      if (hideWhenShown) {
        hideWhenShown = false;
        $(modal).modal("hide");
      }
    });
    $(modal).on("hidden.bs.modal", function () {
      modalShown = false;
      modal.removeAttribute("data-ready");
      if (pending) {
        pending.focus();
        pending = null;
        Y.feedback("Désactivation annulée.", "info");
      }
    });
  }

  /* ---------------------------------------------------------------- order history */

  var ordersBox = document.querySelector(".js-orders");

  function pagerItem(label, page, state, aria) {
    var li = document.createElement("li");
    li.className = "page-item" + (state ? " " + state : "");
    var link = document.createElement("a");
    link.className = "page-link";
    link.href = "?page=" + page + "#historique";
    link.setAttribute("data-page", page);
    link.textContent = label;
    if (aria) { link.setAttribute("aria-label", aria); }
    if (state === "active") { li.setAttribute("aria-current", "page"); }
    li.appendChild(link);
    return li;
  }

  function renderPager(container, page, pages) {
    container.textContent = "";
    if (pages <= 1) { return; }
    var nav = document.createElement("nav");
    nav.className = "d-flex justify-content-center";
    nav.setAttribute("aria-label", "Pages de l'historique");
    var list = document.createElement("ul");
    list.className = "pagination pagination-sm flex-wrap mb-0";
    list.appendChild(pagerItem("«", 1, page <= 1 ? "disabled" : "", "Première page"));
    list.appendChild(pagerItem("‹", Math.max(1, page - 1), page <= 1 ? "disabled" : "", "Page précédente"));
    for (var n = Math.max(1, page - 2); n <= Math.min(pages, page + 2); n += 1) {
      list.appendChild(pagerItem(String(n), n, n === page ? "active" : ""));
    }
    list.appendChild(pagerItem("›", Math.min(pages, page + 1), page >= pages ? "disabled" : "", "Page suivante"));
    list.appendChild(pagerItem("»", pages, page >= pages ? "disabled" : "", "Dernière page"));
    nav.appendChild(list);
    container.appendChild(nav);
  }

  function cell(row, label, text, className) {
    var td = document.createElement("td");
    td.setAttribute("data-label", label);
    if (className) { td.className = className; }
    if (text instanceof window.Node) { td.appendChild(text); } else { td.textContent = text; }
    row.appendChild(td);
  }

  function renderOrders(body) {
    var statusLabels = JSON.parse(ordersBox.getAttribute("data-status-labels"));
    var statusBadges = JSON.parse(ordersBox.getAttribute("data-status-badges"));
    var methodLabels = JSON.parse(ordersBox.getAttribute("data-method-labels"));
    var tbody = ordersBox.querySelector(".js-orders-body");
    tbody.textContent = "";
    body.orders.forEach(function (order) {
      var row = document.createElement("tr");
      row.setAttribute("data-order-id", order.id);
      var badge = document.createElement("span");
      badge.className = "badge badge-" + (statusBadges[order.status] || "light");
      badge.textContent = statusLabels[order.status] || order.status;
      cell(row, "Référence", order.reference, "text-break");
      cell(row, "Date", Y.formatDateTime(order.created_at), "text-nowrap");
      cell(row, "Statut", badge);
      cell(row, "Montant", Y.formatMad(order.price), "text-right text-nowrap");
      cell(row, "Liaison", methodLabels[order.link_method] || order.link_method || "—");
      tbody.appendChild(row);
    });
    var total = Y.formatNumber(body.total) + " commande" + (body.total === 1 ? "" : "s");
    ordersBox.querySelector(".js-orders-summary").textContent =
      total + " — page " + body.page + " sur " + body.pages;
    ordersBox.setAttribute("data-page", body.page);
    renderPager(ordersBox.querySelector(".js-orders-pager"), body.page, body.pages);
  }

  if (ordersBox && ordersBox.querySelector(".js-orders-pager")) {
    ordersBox.addEventListener("click", function (event) {
      var link = event.target.closest(".js-orders-pager a[data-page]");
      if (!link) { return; }
      event.preventDefault();
      var page = link.getAttribute("data-page");
      if (link.parentNode.classList.contains("disabled") || page === ordersBox.getAttribute("data-page")) {
        return;
      }
      ordersBox.setAttribute("aria-busy", "true");
      Y.fetchJson(ordersBox.getAttribute("data-url") + "?page=" + encodeURIComponent(page)).then(function (body) {
        renderOrders(body);
        window.history.replaceState(null, "", "?page=" + body.page + "#historique");
      }).catch(function (error) {
        Y.feedback("Impossible de charger les commandes : " + error.message, "danger");
      }).then(function () { ordersBox.removeAttribute("aria-busy"); });
    });
  }
})(window, document, window.jQuery);
