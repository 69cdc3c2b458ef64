// Swagger UI at /docs. A browser signed in to Viva calls the API with its session cookie, so
// a state-changing call carries the CSRF cookie's value in X-CSRF-Token, as the pages do.
(function () {
  "use strict";
  function csrf() {
    const found = document.cookie.match(/(?:^|; )viva_csrf=([^;]*)/);
    return found ? decodeURIComponent(found[1]) : "";
  }
  window.ui = SwaggerUIBundle({
    url: "/openapi.json",
    dom_id: "#swagger-ui",
    layout: "BaseLayout",
    // no deep links: Swagger UI renders them as a link inside the operation's button (nested controls)
    deepLinking: false,
    showExtensions: true,
    showCommonExtensions: true,
    persistAuthorization: true,
    presets: [SwaggerUIBundle.presets.apis, SwaggerUIBundle.SwaggerUIStandalonePreset],
    requestInterceptor: (request) => {
      const method = (request.method || "GET").toUpperCase();
      const token = csrf();
      if (token && !["GET", "HEAD", "OPTIONS"].includes(method)) request.headers["X-CSRF-Token"] = token;
      return request;
    },
  });
})();
