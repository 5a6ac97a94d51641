/* unrolled: the player. Each figure steps through the lines `forward` executed, with its own state,
   timer and listeners; the page stays complete without this script. */
(function () {
  "use strict";

  var STEP_MS = 900; // one state at 1x
  var HASH_MS = 250;
  var players = {};

  // values.format_number, for the few values shown before their final one (xs starts as zeros).
  function format(v, smallKeeping) {
    if (smallKeeping && v > 0 && v < 0.005) {
      var parts = v.toExponential(1).split("e");
      return parts[0] + "e" + Number(parts[1]);
    }
    if (smallKeeping && v >= 0.995 && v < 1) {
      var text = v.toFixed(Math.min(6, Math.ceil(-Math.log10(1 - v))));
      return text.charAt(0) === "1" ? "1.00" : text;
    }
    var s = v.toFixed(2);
    return s === "-0.00" ? "0.00" : s;
  }

  // diagram.tone: the colour class of a value.
  function tone(ref, v) {
    if (ref === "xs" || ref === "probabilities") return "q" + Math.round(Math.min(1, Math.max(0, v)) * 8);
    return "s" + Math.round(v / (Math.abs(v) + 0.6) * 8);
  }

  function number(el, name) {
    var v = el.getAttribute(name);
    return v === null ? null : Number(v);
  }

  // A mark names what a state wrote or read: "ref", "ref:t", "ref:t:i" or "ref::i", and "=v,v" when the
  // array held other values at that moment than at the end (xs starts as zeros).
  function marks(text) {
    return text ? text.split(" ").map(function (token) {
      var parts = token.split("="), fields = parts[0].split(":");
      var at = function (n) { return fields[n] ? Number(fields[n]) : null; };
      return [fields[0], at(1), at(2), parts[1] ? parts[1].split(",").map(Number) : null];
    }) : [];
  }

  function hits(item, mark) {
    return item.ref === mark[0] && (mark[1] == null || item.t === mark[1]) &&
      (mark[2] == null || item.i === mark[2]);
  }

  function Player(fig) {
    var name = fig.getAttribute("data-rnn");
    var states = Array.prototype.map.call(fig.querySelectorAll(".rnn-states > li"), function (li) {
      return [li.getAttribute("data-line"), marks(li.getAttribute("data-made")),
        marks(li.getAttribute("data-used")), li.textContent];
    });
    var last = states.length - 1;
    var q = function (selector) { return fig.querySelector(selector); };
    var all = function (selector) { return Array.prototype.slice.call(fig.querySelectorAll(selector)); };
    var play = q(".rnn-play"), scrub = q(".rnn-scrub"), count = q(".rnn-count"), say = q(".rnn-say");
    var speed = q(".rnn-speed"), more = q(".rnn-more"), numbers = q(".rnn-numbers"), stage = q(".rnn-stage");
    var lines = {}, byRef = {};
    var current = -1, timer = 0, line = null, used = [], made = [], linked = null, hashed = 0, hashTimer = 0;

    all(".rnn-line").forEach(function (el) { lines[el.getAttribute("data-line")] = el; });
    all("[data-ref]").forEach(function (el) {
      var ref = el.getAttribute("data-ref");
      (byRef[ref] = byRef[ref] || []).push(el);
    });
    function item(el) {
      var text = el.querySelector("text");
      return { el: el, text: text, ref: el.getAttribute("data-ref"), t: number(el, "data-t"),
        i: number(el, "data-i"), j: number(el, "data-j"), final: text ? text.textContent : "",
        value: el.getAttribute("data-value"), history: [],
        shown: text ? text.textContent + "|" + el.getAttribute("data-value") : "",
        tone: (/\b[sq]-?\d\b/.exec(el.getAttribute("class")) || [""])[0] };
    }
    var cells = all(".rnn-diagram .c").map(item);
    var groups = all(".rnn-diagram .v").map(item);

    // When each cell appears, and with which value if not its final one.
    states.forEach(function (state, k) {
      state[1].forEach(function (mark) {
        cells.forEach(function (c) {
          if (hits(c, mark)) c.history.push([k, mark[3] ? mark[3][c.i] : null]);
        });
      });
      state.made = elements(state[1]);
      state.used = elements(state[2]);
    });
    function elements(marks) {
      var found = [];
      marks.forEach(function (mark) {
        (mark[2] == null ? groups : cells).forEach(function (c) { if (hits(c, mark)) found.push(c.el); });
      });
      return found;
    }

    function paint(c, k) {
      var entry = null;
      for (var n = 0; n < c.history.length && c.history[n][0] <= k; n++) entry = c.history[n];
      var text = "", value = null;
      if (entry && entry[1] === null) { text = c.final; value = c.value; }
      else if (entry) { value = String(entry[1]); text = format(entry[1], c.ref === "probabilities"); }
      var key = text + "|" + value;
      if (key === c.shown) return;
      c.shown = key;
      c.text.textContent = text;
      c.el.classList.toggle("e", !entry);
      if (c.tone) c.el.classList.remove(c.tone);
      c.tone = value === null || c.ref === "loss" ? "" : tone(c.ref, Number(value));
      if (c.tone) c.el.classList.add(c.tone);
      if (value === null) c.el.removeAttribute("data-value");
      else c.el.setAttribute("data-value", value);
    }

    function mark(cls, before, after) {
      before.forEach(function (el) { el.classList.remove(cls); });
      after.forEach(function (el) { el.classList.add(cls); });
      return after;
    }

    function go(k, fromReader) {
      k = Math.max(0, Math.min(last, k));
      if (k === current) return;
      current = k;
      var state = states[k];
      cells.forEach(function (c) { paint(c, k); });
      used = mark("operand", used, state.used);
      made = mark("produced", made, state.made);
      if (line) line.removeAttribute("aria-current");
      line = lines[state[0]];
      line.setAttribute("aria-current", "step");
      if (say.textContent !== state[3]) say.textContent = state[3];
      scrub.value = k;
      scrub.setAttribute("aria-valuetext", "Step " + (k + 1) + " of " + (last + 1) + ", line " + state[0]);
      count.textContent = (k + 1) + " / " + (last + 1);
      fig.setAttribute("data-step", k);
      if (fromReader && !hashTimer) hashTimer = setTimeout(writeHash, Math.max(0, hashed + HASH_MS - Date.now()));
    }

    // The address follows the reader (#name:step), at most every HASH_MS: browsers throttle faster rewrites.
    function writeHash() {
      hashTimer = 0;
      hashed = Date.now();
      try { history.replaceState(history.state, "", "#" + name + ":" + current); } catch (e) { /* some file:// */ }
    }

    function stop() {
      clearTimeout(timer);
      timer = 0;
      play.setAttribute("aria-label", "Play");
    }
    function tick() {
      go(current + 1, true);
      timer = current < last ? setTimeout(tick, STEP_MS / Number(speed.value)) : 0;
      if (!timer) stop();
    }
    function start() {
      if (current >= last) go(0, true);
      play.setAttribute("aria-label", "Pause");
      timer = setTimeout(tick, STEP_MS / Number(speed.value));
    }
    function toggle() { if (timer) stop(); else start(); }
    function step(by) { stop(); go(current + by, true); }

    var actions = {
      restart: function () { stop(); go(0, true); },
      back: function () { step(-1); },
      play: toggle,
      forward: function () { step(1); }
    };
    all(".rnn-controls button").forEach(function (button) {
      button.addEventListener("click", actions[button.getAttribute("data-do")]);
    });
    scrub.addEventListener("input", function () { stop(); go(Number(scrub.value), true); });
    speed.addEventListener("change", function () {
      if (timer) { clearTimeout(timer); timer = setTimeout(tick, STEP_MS / Number(speed.value)); }
    });
    fig.addEventListener("keydown", function (event) {
      var tag = event.target.tagName;
      if (event.altKey || event.ctrlKey || event.metaKey || tag === "INPUT" || tag === "SELECT") return;
      if (event.target === stage && event.key.indexOf("Arrow") === 0) return; // arrows scroll a wide diagram
      var key = event.key;
      if (key === "ArrowLeft") step(-1);
      else if (key === "ArrowRight") step(1);
      else if (key === "Home") actions.restart();
      else if (key === "End") { stop(); go(last, true); }
      else if ((key === " " || key === "Spacebar") && tag !== "BUTTON" && tag !== "A") toggle();
      else return;
      event.preventDefault();
    });

    // Linking: hovering or focusing a name lights up that quantity everywhere in this figure.
    var tip = document.createElement("div");
    tip.className = "rnn-tip";
    tip.setAttribute("aria-hidden", "true");
    tip.hidden = true;
    fig.appendChild(tip);
    function link(el) {
      var ref = el ? el.getAttribute("data-ref") : null;
      if (ref !== linked) {
        (byRef[linked] || []).forEach(function (e) { e.classList.remove("linked"); });
        (byRef[ref] || []).forEach(function (e) { e.classList.add("linked"); });
        linked = ref;
      }
      var c = el && el.classList.contains("c") && el.getAttribute("data-value") !== null ? item(el) : null;
      tip.hidden = !c;
      if (!c) return;
      var index = c.j === null ? "[" + c.i + "]" : "[" + c.i + ", " + c.j + "]";
      tip.textContent = c.ref + (c.t === null ? "" : "[" + c.t + "]") + (c.i === null ? "" : index) + " = " + c.value;
      var box = el.getBoundingClientRect(), frame = fig.getBoundingClientRect(), half = tip.offsetWidth / 2;
      var centre = box.left + box.width / 2 - frame.left; // kept inside the figure, so never past the page
      tip.style.left = Math.max(half + 4, Math.min(frame.width - half - 4, centre)) + "px";
      tip.style.top = (box.top - frame.top) + "px";
    }
    function pointAt(event) {
      var el = event.target.closest ? event.target.closest("[data-ref]") : null;
      link(el && fig.contains(el) ? el : null);
    }
    fig.addEventListener("mouseover", pointAt);
    fig.addEventListener("focusin", pointAt);
    fig.addEventListener("mouseleave", function () { link(null); });
    fig.addEventListener("focusout", function () { link(null); });
    cells.concat(all(".rnn-code [data-ref]").map(item)).forEach(function (c) { c.el.setAttribute("tabindex", "-1"); });

    // All numbers: visually tucked away while the diagram plays, always there for screen readers.
    function showNumbers(open) {
      numbers.classList.toggle("is-open", open);
      more.setAttribute("aria-pressed", String(open));
    }
    more.addEventListener("click", function () { showNumbers(!numbers.classList.contains("is-open")); });
    fig.classList.add("is-live");
    go(Number(fig.getAttribute("data-step")));

    this.fig = fig;
    this.go = go;
    this.last = last;
    this.at = function () { return current; };
    this.numbers = function (open) {
      var was = numbers.classList.contains("is-open");
      if (open !== undefined) showNumbers(open);
      return was;
    };
    this.stop = stop;
    // A diagram wider than a phone scrolls inside its stage, which then takes keyboard focus too.
    this.fit = function () {
      if (stage.scrollWidth > stage.clientWidth + 1) stage.setAttribute("tabindex", "0");
      else stage.removeAttribute("tabindex");
    };
  }

  function fitAll() {
    Object.keys(players).forEach(function (key) { players[key].fit(); });
  }

  function openHash() {
    var match = /^#([A-Za-z0-9_-]+):(\d+)$/.exec(location.hash);
    var player = match && players[match[1]];
    if (!player) return;
    player.go(Number(match[2]));
    player.fig.scrollIntoView();
  }

  // Print the finished pass with every number; put the reader back afterwards.
  var printing = [];
  addEventListener("beforeprint", function () {
    printing = Object.keys(players).map(function (key) {
      var p = players[key], was = [p.at(), p.numbers(true)];
      p.stop();
      p.go(p.last);
      return [p, was];
    });
  });
  addEventListener("afterprint", function () {
    printing.forEach(function (entry) { entry[0].go(entry[1][0]); entry[0].numbers(entry[1][1]); });
    printing = [];
  });

  Array.prototype.forEach.call(document.querySelectorAll("figure.rnn-figure[data-rnn]"), function (fig) {
    players[fig.getAttribute("data-rnn")] = new Player(fig);
  });
  openHash();
  addEventListener("hashchange", openHash);
  requestAnimationFrame(fitAll); // after the first layout, not one forced layout per figure
  addEventListener("resize", function () { requestAnimationFrame(fitAll); });
})();
