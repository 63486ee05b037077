/* profile-qa chat widget. Add to any page:
 *   <script src="https://HOST/widget.js" data-title="..." async></script>
 * Options (data- attributes): title, welcome, accent (#rgb or #rrggbb), position
 * (bottom-right | bottom-left), lang (zh | en).
 * The chat itself runs in an iframe served by the same host, inside a shadow root,
 * so the page's CSS cannot reach it and its CSS cannot reach the page. */
(function () {
  "use strict";
  if (window.__profileQaWidget) return;

  // currentScript is set while this script runs, async included; the query is a fallback
  // for old browsers.
  var script = document.currentScript;
  if (!script) {
    var found = document.querySelectorAll('script[src*="widget.js"]');
    script = found[found.length - 1];
  }
  if (!script || !script.src) return;
  window.__profileQaWidget = true;

  var base = new URL(".", script.src).href; // keeps a path prefix such as /qa/
  var data = script.dataset || {};
  var lang = data.lang === "en" ? "en" : "zh";
  var STRINGS = {
    zh: { title: "抗疫先锋问答", open: "打开问答", close: "关闭" },
    en: { title: "Ask about the profiles", open: "Open chat", close: "Close" }
  };
  var t = STRINGS[lang];
  var accent = /^#(?:[0-9a-fA-F]{3}|[0-9a-fA-F]{6})$/.test(data.accent || "")
    ? data.accent : "#b91c1c";
  var side = data.position === "bottom-left" ? "left" : "right";
  var title = (data.title || t.title).slice(0, 60);
  var welcome = (data.welcome || "").slice(0, 300);

  var CSS = [
    ":host{all:initial}",
    ".pq-btn{position:fixed;bottom:20px;" + side + ":20px;width:56px;height:56px;",
    "border-radius:50%;border:0;background:" + accent + ";color:#fff;cursor:pointer;",
    "box-shadow:0 4px 14px rgba(0,0,0,.25);z-index:2147483000;display:flex;",
    "align-items:center;justify-content:center;padding:0}",
    ".pq-btn:focus-visible{outline:3px solid #2563eb;outline-offset:2px}",
    ".pq-btn svg{width:28px;height:28px;fill:currentColor}",
    ".pq-panel{position:fixed;bottom:88px;" + side + ":20px;width:380px;height:560px;",
    "max-height:calc(100vh - 110px);background:#fff;border-radius:12px;",
    "box-shadow:0 8px 30px rgba(0,0,0,.3);z-index:2147483001;display:none;",
    "flex-direction:column;overflow:hidden;",
    "font:15px/1.4 system-ui,'PingFang SC','Microsoft YaHei','Noto Sans CJK SC',sans-serif}",
    ".pq-panel.pq-open{display:flex}",
    ".pq-head{background:" + accent + ";color:#fff;display:flex;align-items:center;",
    "justify-content:space-between;padding:10px 12px;font-weight:600}",
    ".pq-title{overflow:hidden;text-overflow:ellipsis;white-space:nowrap}",
    ".pq-close{background:transparent;border:0;color:#fff;font-size:24px;line-height:1;",
    "cursor:pointer;padding:0 4px}",
    ".pq-frame{flex:1;border:0;width:100%;height:100%;background:#fff}",
    "@media (max-width:600px){.pq-panel{top:0;left:0;right:0;bottom:0;width:100%;",
    "height:100%;max-height:none;border-radius:0}}"
  ].join("");

  function el(tag, cls) {
    var node = document.createElement(tag);
    if (cls) node.className = cls;
    return node;
  }

  function icon() {
    var ns = "http://www.w3.org/2000/svg";
    var svg = document.createElementNS(ns, "svg");
    svg.setAttribute("viewBox", "0 0 24 24");
    svg.setAttribute("aria-hidden", "true");
    var path = document.createElementNS(ns, "path");
    path.setAttribute("d", "M4 4h16a2 2 0 0 1 2 2v10a2 2 0 0 1-2 2H8l-4 4V6a2 2 0 0 1 2-2z");
    svg.appendChild(path);
    return svg;
  }

  function init() {
    var host = el("div");
    host.setAttribute("data-profile-qa-widget", "");
    var root = host.attachShadow ? host.attachShadow({ mode: "open" }) : host;
    if (root !== host && root.adoptedStyleSheets && window.CSSStyleSheet) {
      // A constructed sheet is not an inline style, so a strict page CSP still allows it.
      var sheet = new CSSStyleSheet();
      sheet.replaceSync(CSS);
      root.adoptedStyleSheets = [sheet];
    } else {
      var style = el("style");
      style.textContent = CSS;
      root.appendChild(style);
    }

    var button = el("button", "pq-btn");
    button.type = "button";
    button.setAttribute("aria-label", t.open);
    button.setAttribute("aria-expanded", "false");
    button.setAttribute("part", "button");
    button.appendChild(icon());

    var panel = el("div", "pq-panel");
    panel.setAttribute("role", "dialog");
    panel.setAttribute("aria-label", title);
    var head = el("div", "pq-head");
    var name = el("span", "pq-title");
    name.textContent = title;
    var close = el("button", "pq-close");
    close.type = "button";
    close.setAttribute("aria-label", t.close);
    close.textContent = "\u00d7";
    head.appendChild(name);
    head.appendChild(close);
    panel.appendChild(head);

    var frame = null;
    function open() {
      if (!frame) {
        // Created on first open: pages that never open the chat load nothing more.
        frame = el("iframe", "pq-frame");
        var query = new URLSearchParams({ lang: lang, title: title, accent: accent });
        if (welcome) query.set("welcome", welcome);
        frame.src = base + "embed?" + query.toString();
        frame.title = title;
        frame.setAttribute("allow", "clipboard-write");
        panel.appendChild(frame);
      }
      panel.classList.add("pq-open");
      button.setAttribute("aria-expanded", "true");
      if (frame.contentWindow) frame.focus();
    }
    function hide() {
      panel.classList.remove("pq-open");
      button.setAttribute("aria-expanded", "false");
      button.focus();
    }
    button.addEventListener("click", function () {
      if (panel.classList.contains("pq-open")) hide(); else open();
    });
    close.addEventListener("click", hide);
    document.addEventListener("keydown", function (e) {
      if (e.key === "Escape" && panel.classList.contains("pq-open")) hide();
    });

    root.appendChild(panel);
    root.appendChild(button);
    document.body.appendChild(host);
  }

  if (document.body) init();
  else document.addEventListener("DOMContentLoaded", init);
})();
