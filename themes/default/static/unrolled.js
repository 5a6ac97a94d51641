/* unrolled: the player. Each figure steps through the lines `forward` executed, with its own state,
   timer and listeners; the page stays complete without this script. */
(function () {
  "use strict";

  var STEP_MS = 900; // one state at 1x
  var HASH_MS = 250;
  var players = {};

  // --- numbers: shared with generator/values.py ---
  // How a quantity is written and coloured, exactly as the build does it. The rules come from the page
  // (generator/render/figure.py writes them from their one Python definition); the rounding is Python's,
  // half to even on a number's exact binary value, worked out in BigInt: toFixed rounds ties away from zero.
  var rulesScript = document.querySelector("script[data-rnn-rules]");
  var rules = rulesScript ? JSON.parse(rulesScript.textContent) : null;
  var ONE = BigInt(1), TWO = BigInt(2), TEN = BigInt(10);

  // A finite |x| as n / 2^k, n and k BigInts (doubling a double is exact).
  function exactly(x) {
    var k = 0;
    for (x = Math.abs(x); !Number.isInteger(x); k++) x *= 2;
    return { n: BigInt(x), k: BigInt(k) };
  }

  // |x| * 10^shift (shift >= 0) rounded to a whole number, half to even.
  function rounded(x, shift) {
    var exact = exactly(x), num = exact.n * TEN ** BigInt(shift), den = ONE << exact.k;
    var whole = num / den, twice = num % den * TWO;
    return twice > den || (twice === den && whole % TWO === ONE) ? whole + ONE : whole;
  }

  // Python's f"{x:.{decimals}f}" (decimals >= 1), "-" included for negative values and -0.
  function fixed(x, decimals) {
    var digits = rounded(x, decimals).toString().padStart(decimals + 1, "0"), point = digits.length - decimals;
    return (x < 0 || Object.is(x, -0) ? "-" : "") + digits.slice(0, point) + "." + digits.slice(point);
  }

  // Python's f"{x:.1e}" for 0 < x < 1, its exponent written as a plain integer: 6.2e-5. The mantissa
  // reaches 100 when x rounds up to the next power of ten (9.96e-4: 1.0e-3), or when log10(x) comes out a
  // hair below the whole number it equals; one step up mends both. (A hair above is harmless: x then
  // rounds to 10 at that power, which is right.)
  function exponential(x) {
    var e = Math.floor(Math.log10(x)), mantissa = rounded(x, 1 - e);
    if (mantissa >= 100) mantissa = rounded(x, 1 - ++e);
    var digits = mantissa.toString();
    return digits.charAt(0) + "." + digits.charAt(1) + "e" + e;
  }

  // The fewest decimals that show the first digit of 1 - x, at most most_decimals (compared exactly;
  // 1 - x is exact for x near 1).
  function decimalsNearOne(x) {
    var gap = exactly(1 - x), whole = ONE << gap.k;
    for (var d = 1; d < rules.most_decimals; d++) if (gap.n * TEN ** BigInt(d) >= whole) return d;
    return rules.most_decimals;
  }

  // values.format_quantity: how a number of the quantity `ref` (a data-ref name) is written.
  function formatValue(ref, v) {
    if (v !== v) return "NaN";
    if (!isFinite(v)) return v > 0 ? "\u221e" : "-\u221e";
    var smallKeeping = rules.small_keeping.indexOf(ref) >= 0, text;
    if (smallKeeping && v > 0 && v < rules.small_below) return exponential(v);
    if (smallKeeping && v >= rules.near_one && v < 1) {
      text = fixed(v, decimalsNearOne(v));
      return text.charAt(0) === "1" ? fixed(1, rules.decimals) : text;
    }
    text = fixed(v, rules.decimals);
    return Number(text) === 0 ? text.replace("-", "") : text;
  }

  // tones.tone: the colour class of a value, "" for none; a value on a breakpoint takes the upper class.
  function toneOf(ref, v) {
    if (rules.untoned.indexOf(ref) >= 0 || v !== v) return "";
    var unit = rules.unit_scale.indexOf(ref) >= 0, breaks = unit ? rules.unit_breaks : rules.signed_breaks, k = 0;
    while (k < breaks.length && breaks[k] <= v) k++;
    return unit ? "q" + k : "s" + (k - rules.tones);
  }

  var api = window.unrolled = window.unrolled || {};
  api.format = formatValue;
  api.tone = toneOf;
  // --- end numbers ---

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
      else if (entry) { value = String(entry[1]); text = formatValue(c.ref, entry[1]); }
      var key = text + "|" + value;
      if (key === c.shown) return;
      c.shown = key;
      c.text.textContent = text;
      c.el.classList.toggle("e", !entry);
      if (c.tone) c.el.classList.remove(c.tone);
      c.tone = value === null ? "" : toneOf(c.ref, Number(value));
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
      var shown = formatValue(c.ref, Number(c.value)); // as everywhere, then the full value when it says more
      tip.textContent = c.ref + (c.t === null ? "" : "[" + c.t + "]") + (c.i === null ? "" : index) + " = " + shown +
        (Number(shown) === Number(c.value) ? "" : " (" + c.value + ")");
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
