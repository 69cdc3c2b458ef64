// ReDoc at /redoc: the OpenAPI document as one readable page, in Viva's colours; no web fonts.
(function () {
  "use strict";
  const root = document.getElementById("redoc");
  Redoc.init(root.dataset.spec, {
    hideDownloadButton: false,
    expandResponses: "200,201",
    scrollYOffset: ".docs-bar",
    theme: {
      colors: { primary: { main: "#2b44a8", light: "#2b44a8" }, text: { primary: "#1d2433", secondary: "#5b6475" } },
      typography: {
        fontFamily: 'system-ui, -apple-system, "Segoe UI", Roboto, "Liberation Sans", sans-serif',
        headings: { fontFamily: 'system-ui, -apple-system, "Segoe UI", Roboto, "Liberation Sans", sans-serif' },
        code: { fontFamily: 'ui-monospace, "DejaVu Sans Mono", "Liberation Mono", monospace' },
      },
      sidebar: { textColor: "#1d2433" },
      rightPanel: { backgroundColor: "#1d2433" },
    },
  }, root);
})();
