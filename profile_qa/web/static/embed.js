/* The chat inside the widget's iframe. Everything from the server is shown with
 * textContent or text nodes: no answer, passage or question is ever parsed as HTML. */
(function () {
  "use strict";
  var params = new URLSearchParams(location.search);
  var lang = params.get("lang") === "en" ? "en" : "zh";
  var STRINGS = {
    zh: {
      title: "抗疫先锋问答", placeholder: "请输入问题…", send: "发送",
      welcome: "您好！可以问我工信系统抗疫先进集体和个人的事迹，回答会注明出处。",
      thinking: "正在查找…", tooMany: "请求过于频繁，请 {s} 秒后再试。",
      failed: "出错了，请稍后再试。", offline: "无法连接服务器，请稍后再试。",
      sources: "来源", helpful: "这个回答有帮助吗？", thanks: "谢谢反馈！",
      like: "有帮助", dislike: "没帮助", question: "问题"
    },
    en: {
      title: "Ask about the profiles", placeholder: "Ask a question…", send: "Send",
      welcome: "Hello! Ask me about the collectives and people MIIT honoured for their " +
        "work against COVID-19. Answers cite their sources.",
      thinking: "Searching…", tooMany: "Too many requests, please retry in {s} s.",
      failed: "Something went wrong, please try again later.",
      offline: "Cannot reach the server, please try again later.",
      sources: "Sources", helpful: "Was this helpful?", thanks: "Thanks for the feedback!",
      like: "Helpful", dislike: "Not helpful", question: "Question"
    }
  };
  var t = STRINGS[lang];
  var MAX_TURNS = 5;          // history sent back with each question
  var MAX_HISTORY_CHARS = 600; // per message; the server also caps the request size
  var MARKER = /\[(\d{1,3})\]/g;

  var accent = params.get("accent") || "";
  if (/^#(?:[0-9a-fA-F]{3}|[0-9a-fA-F]{6})$/.test(accent)) {
    document.documentElement.style.setProperty("--accent", accent);
  }
  document.documentElement.lang = lang === "en" ? "en" : "zh-CN";
  document.title = (params.get("title") || t.title).slice(0, 60);

  var log = document.getElementById("pq-log");
  var examples = document.getElementById("pq-examples");
  var form = document.getElementById("pq-form");
  var box = document.getElementById("pq-q");
  var send = document.getElementById("pq-send");
  box.placeholder = t.placeholder;
  box.setAttribute("aria-label", t.question);
  send.textContent = t.send;

  var history = [];
  var busy = false;
  var counter = 0;

  function el(tag, cls, text) {
    var node = document.createElement(tag);
    if (cls) node.className = cls;
    if (text !== undefined) node.textContent = text;
    return node;
  }
  function scroll() { log.scrollTop = log.scrollHeight; }
  function bubble(role, text) {
    var node = el("div", "pq-msg " + (role === "user" ? "pq-user" : "pq-bot"), text);
    log.appendChild(node);
    scroll();
    return node;
  }

  bubble("bot", (params.get("welcome") || t.welcome).slice(0, 300));

  fetch(new URL("api/examples", location.href))
    .then(function (r) { return r.ok ? r.json() : { examples: [] }; })
    .then(function (body) {
      (body.examples || []).slice(0, 4).forEach(function (q) {
        var b = el("button", "", q);
        b.type = "button";
        b.addEventListener("click", function () { ask(q); });
        examples.appendChild(b);
      });
    })
    .catch(function () { /* examples are optional */ });

  function textWithMarkers(parent, text, id) {
    var last = 0;
    text.replace(MARKER, function (match, num, offset) {
      parent.appendChild(document.createTextNode(text.slice(last, offset)));
      var sup = el("button", "pq-cite", "[" + num + "]");
      sup.type = "button";
      sup.addEventListener("click", function () {
        var target = document.getElementById("pq-src-" + id + "-" + num);
        if (target) { target.open = true; target.scrollIntoView({ block: "nearest" }); }
      });
      parent.appendChild(sup);
      last = offset + match.length;
      return match;
    });
    parent.appendChild(document.createTextNode(text.slice(last)));
  }

  function source(c, id, first) {
    var d = el("details", "pq-source");
    d.id = "pq-src-" + id + "-" + c.number;
    if (first) d.open = true;
    var label = "[" + c.number + "] " + (c.subject || c.article_title);
    d.appendChild(el("summary", "", label));
    var meta = [c.article_title, c.date].filter(Boolean).join(" · ");
    d.appendChild(el("div", "pq-meta", meta));
    var p = el("div", "pq-passage");
    // Sentence offsets are in the article, like the passage's own start.
    var text = c.text;
    var s = Math.max(0, Math.min(c.sentence_start - c.start, text.length));
    var e = Math.max(s, Math.min(c.sentence_end - c.start, text.length));
    p.appendChild(document.createTextNode(text.slice(0, s)));
    p.appendChild(el("mark", "", text.slice(s, e)));
    p.appendChild(document.createTextNode(text.slice(e)));
    d.appendChild(p);
    return d;
  }

  function rating(node, question, answer) {
    var row = el("div", "pq-rate");
    row.appendChild(el("span", "", t.helpful));
    // Words, not emoji: an emoji font is not on every machine.
    [["like", t.like], ["dislike", t.dislike]].forEach(function (r) {
      var b = el("button", "pq-" + r[0], r[1]);
      b.type = "button";
      b.addEventListener("click", function () {
        row.querySelectorAll("button").forEach(function (x) { x.disabled = true; });
        fetch(new URL("api/feedback", location.href), {
          method: "POST",
          headers: { "Content-Type": "application/json" },
          body: JSON.stringify({
            rating: r[0], question: question, answer: answer.answer.slice(0, 4000),
            generator: answer.generator,
            sources: answer.citations.map(function (c) {
              return { number: c.number, chunk_id: c.chunk_id, subject: c.subject,
                       article_title: c.article_title, sentence: c.sentence };
            })
          })
        }).catch(function () { /* best effort */ });
        b.classList.add("pq-chosen");
        row.firstChild.textContent = t.thanks;
      });
      row.appendChild(b);
    });
    node.appendChild(row);
  }

  function showAnswer(node, question, answer) {
    var id = ++counter;
    node.textContent = "";
    node.classList.remove("pq-typing");
    textWithMarkers(node, answer.answer, id);
    if (answer.note) node.appendChild(el("span", "pq-note", answer.note));
    if (answer.citations.length) {
      var list = el("div", "pq-sources");
      list.appendChild(el("div", "pq-meta", t.sources));
      answer.citations.forEach(function (c, i) { list.appendChild(source(c, id, i === 0)); });
      node.appendChild(list);
    }
    rating(node, question, answer);
    // Show the answer from its start (the question above it), not its last line.
    var asked = node.previousElementSibling;
    log.scrollTop = Math.max(0, (asked || node).offsetTop - log.offsetTop - 8);
  }

  function fail(node, message) {
    node.textContent = message;
    node.classList.remove("pq-typing");
    node.classList.add("pq-error");
  }

  function errorText(res, body) {
    if (res.status === 429) {
      return t.tooMany.replace("{s}", res.headers.get("Retry-After") || "60");
    }
    if (res.status >= 400 && res.status < 500 && body) {
      var d = body.detail;
      if (Array.isArray(d)) d = d.map(function (x) { return x.message; }).join("; ");
      return String(d || body.error || t.failed);
    }
    return t.failed;
  }

  function payloadHistory() {
    return history.slice(-MAX_TURNS).map(function (turn) {
      return [turn[0].slice(0, MAX_HISTORY_CHARS), turn[1].slice(0, MAX_HISTORY_CHARS)];
    });
  }

  function ask(question) {
    question = (question || "").trim();
    if (!question || busy) return;
    busy = true;
    send.disabled = true;
    examples.textContent = "";
    bubble("user", question);
    var node = bubble("bot", t.thinking);
    node.classList.add("pq-typing");
    var text = "";
    var finished = false;
    fetch(new URL("api/ask/stream", location.href), {
      method: "POST",
      headers: { "Content-Type": "application/json", "Accept": "text/event-stream" },
      body: JSON.stringify({ question: question, history: payloadHistory() })
    }).then(function (res) {
      if (!res.ok) {
        return res.json().catch(function () { return null; })
          .then(function (body) { fail(node, errorText(res, body)); finished = true; });
      }
      var reader = res.body.getReader();
      var decoder = new TextDecoder();
      var buffer = "";
      function handle(block) {
        var event = "message";
        var data = "";
        block.split("\n").forEach(function (line) {
          if (line.indexOf("event:") === 0) event = line.slice(6).trim();
          else if (line.indexOf("data:") === 0) data += line.slice(5).trim();
        });
        if (!data) return;
        var payload = JSON.parse(data);
        if (event === "delta") {
          if (!text) { node.textContent = ""; node.classList.remove("pq-typing"); }
          text += payload.text;
          node.textContent = text;
          scroll();
        } else if (event === "answer") {
          finished = true;
          history.push([question, payload.answer]);
          showAnswer(node, question, payload);
        } else if (event === "error") {
          finished = true;
          fail(node, payload.detail ? String(payload.detail) : t.failed);
        }
      }
      function pump() {
        return reader.read().then(function (chunk) {
          if (chunk.done) return;
          buffer += decoder.decode(chunk.value, { stream: true });
          var parts = buffer.split("\n\n");
          buffer = parts.pop();
          parts.forEach(handle);
          return pump();
        });
      }
      return pump();
    }).catch(function () {
      if (!finished) fail(node, t.offline);
      finished = true;
    }).then(function () {
      if (!finished) fail(node, t.failed);
      busy = false;
      send.disabled = false;
      box.focus();
    });
  }

  form.addEventListener("submit", function (e) {
    e.preventDefault();
    var q = box.value;
    box.value = "";
    ask(q);
  });
  box.addEventListener("keydown", function (e) {
    if (e.key === "Enter" && !e.shiftKey && !e.isComposing) {
      e.preventDefault();
      form.requestSubmit ? form.requestSubmit() : form.dispatchEvent(new Event("submit"));
    }
  });
})();
