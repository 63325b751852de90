// The page's language also drives Gradio's own strings ("Drop File Here", "Use via API"): Gradio's i18n
// follows the browser's locale, so the page tells it which one to use (its changeLocale, the function its
// own settings panel calls). And the light/dark theme, remembered in this browser.
(function () {
  var GRADIO_LOCALE = window.RAG_LOCALES || {};  // {page language: Gradio's locale}, from the strings
  function coreModule() {
    var entries = performance.getEntriesByType("resource").map(function (e) { return e.name; });
    var scripts = Array.prototype.map.call(document.querySelectorAll("script[src], link[href]"), function (e) {
      return e.src || e.href;
    });
    return entries.concat(scripts).find(function (u) { return /\/assets\/core-[^/]*\.js$/.test(u); });
  }
  // a few aria-labels Gradio writes in English only, outside its i18n: relabelled as they appear
  var ARIA = window.RAG_ARIA || {};
  var pageLang = null;
  function relabel(root) {
    var table = ARIA[pageLang] || {};
    var english = {};
    Object.keys(ARIA).forEach(function (l) {
      Object.keys(ARIA[l]).forEach(function (en) { english[ARIA[l][en]] = en; });
    });
    (root.querySelectorAll ? root.querySelectorAll("[aria-label]") : []).forEach(function (e) {
      var label = e.getAttribute("aria-label");
      var source = english[label] || label;  // back to English first when the language changes
      var wanted = table[source] || source;
      if (label !== wanted) e.setAttribute("aria-label", wanted);
    });
  }
  new MutationObserver(function (changes) {
    changes.forEach(function (c) { if (c.target.nodeType === 1) relabel(c.target.parentNode || c.target); });
  }).observe(document.documentElement, {subtree: true, childList: true});
  window.ragSetLocale = function (lang, tries) {
    pageLang = lang;
    if (document.body) relabel(document.body);
    var code = GRADIO_LOCALE[lang] || lang;
    document.documentElement.lang = code;
    var url = coreModule();
    if (!url) {  // Gradio has not loaded yet
      if ((tries || 0) < 50) setTimeout(function () { window.ragSetLocale(lang, (tries || 0) + 1); }, 100);
      return;
    }
    import(url).then(function (core) { if (core.changeLocale) core.changeLocale(code); });
  };
  window.ragToggleTheme = function () {
    var dark = !document.body.classList.contains("dark");
    document.body.classList.toggle("dark", dark);
    try { localStorage.setItem("rag-zh-theme", dark ? "dark" : "light"); } catch (e) {}
  };
  function start() {
    var wanted = (new URLSearchParams(location.search).get("lang") || "").toLowerCase();
    var langs = Object.keys(GRADIO_LOCALE);  // the default language first
    window.ragSetLocale(langs.find(function (l) { return wanted.startsWith(l); }) || langs[0]);
    var theme = null;
    try { theme = localStorage.getItem("rag-zh-theme"); } catch (e) {}
    if (theme) document.body.classList.toggle("dark", theme === "dark");
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
