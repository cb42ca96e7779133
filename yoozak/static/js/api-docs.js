// Starts Swagger UI on /api/v1/docs from a static file: the page's CSP forbids inline scripts.
"use strict";
window.addEventListener("DOMContentLoaded", function () {
  var node = document.getElementById("swagger-ui");
  window.ui = window.SwaggerUIBundle({
    url: node.dataset.specUrl,
    dom_id: "#swagger-ui",
    deepLinking: true,
    // The spec is read with the admin's session; "Try it out" sends the token given in Authorize.
    withCredentials: false,
  });
});
