/* unrolled: the player. One Player per figure steps through the lines `forward` executed; the page is
   complete without this script, and a figure that cannot start keeps the last state the build drew. */
(function () {
  "use strict";

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
    var signedSmall = rules.signed_small.indexOf(ref) >= 0 || ref.indexOf(rules.gradient_prefix) === 0;
    if (smallKeeping && v > 0 && v < rules.small_below) return exponential(v);
    if (signedSmall && v !== 0 && Math.abs(v) < rules.small_below) return (v < 0 ? "-" : "") + exponential(Math.abs(v));
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

  const STEP_MS = 900; // one state at 1x
  const ADDRESS_MS = 250; // the address is rewritten at most this often: browsers throttle faster rewrites
  const TONE = /(?:^|\s)([sq]-?\d)(?=\s|$)/;
  const SVG = "http://www.w3.org/2000/svg";
  const players = new Map(); // network name -> the Player of its figure

  // Work that set-up does in steps is a generator that yields between them (see slices); run() does it in one go
  // and returns what it returns.
  function run(steps) {
    let step = steps.next();
    while (!step.done) step = steps.next();
    return step.value;
  }

  function numberAttribute(el, name) {
    const value = el.getAttribute(name);
    return value === null || value === "" ? null : Number(value);
  }

  // Index keys, as marks write them: "ref:t" names an array (t empty for the weights and hidden_state_prev),
  // "ref:t:i" one element of it.
  function arrayKey(ref, t) {
    return ref + ":" + (t === null ? "" : t);
  }

  function elementKey(ref, t, i) {
    return arrayKey(ref, t) + ":" + (i === null ? "" : i);
  }

  // A mark names what a state made or used: "ref", "ref:t", "ref:t:i" or "ref::i", then "=v,v,..." when the
  // array held other values at that moment than at the end (xs starts as zeros). Values stay the build's text.
  function parseMark(token) {
    const parts = token.split("="), fields = parts[0].split(":");
    const at = (n) => (fields[n] ? Number(fields[n]) : null);
    return { ref: fields[0], t: at(1), i: at(2), values: parts[1] ? parts[1].split(",") : null };
  }

  // One executed line: its number in the listing, what it made and used, and its sentence.
  function parseState(li) {
    const marks = (name) => {
      const text = li.getAttribute(name);
      return text ? text.split(" ").map(parseMark) : [];
    };
    const built = li.textContent;
    return { line: li.getAttribute("data-line"), made: marks("data-made"), used: marks("data-used"),
      sentence: built, built: built, template: li.getAttribute("data-say") };
  }

  // One number of the diagram, and the states at which it changes.
  class Cell {
    constructor(el, position, trace) {
      this.el = el;
      this.text = el.querySelector("text");
      this.ref = el.getAttribute("data-ref");
      this.t = numberAttribute(el.parentNode, "data-t"); // its array's step, written on the cell for readers of the page
      if (this.t !== null) el.setAttribute("data-t", this.t);
      this.i = numberAttribute(el, "data-i");
      this.j = numberAttribute(el, "data-j");
      this.position = position; // its place in the array, row by row, as a mark's values list it
      // The build writes data-value only where the inline trace lacks the number (the training step's
      // gradients); the forward pass's cells take theirs from the trace, at full precision.
      const value = el.hasAttribute("data-value") ? undefined : valueAt(trace, this.ref, this.t, this.i, this.j);
      if (value !== undefined) el.setAttribute("data-value", String(value));
      this.final = { text: this.text ? this.text.textContent : "", value: el.getAttribute("data-value") }; // as built
      this.built = this.final;
      this.shown = { text: this.final.text, value: this.final.value, empty: el.classList.contains("is-empty"),
        tone: (TONE.exec(el.getAttribute("class")) || ["", ""])[1] };
      this.changes = []; // {step, value}: from `step` on it holds `value` (the build's text), null: its final value
      this.given = false; // shows its final value until the program first changes it
    }

    // "ref[t][i, j]": the cell's name as the code writes it.
    name() {
      const index = this.i === null ? "" : this.j === null ? "[" + this.i + "]" : "[" + this.i + ", " + this.j + "]";
      return this.ref + (this.t === null ? "" : "[" + this.t + "]") + index;
    }

    // Show what the cell holds at state k, writing only what differs from what it shows now.
    paint(k) {
      let change = null;
      for (const c of this.changes) if (c.step <= k) change = c;
      const final = change ? change.value === null : this.given, empty = !change && !this.given;
      const value = empty ? null : final ? this.final.value : change.value;
      const text = empty ? "" : final ? this.final.text : formatValue(this.ref, Number(value));
      const tone = value === null ? "" : toneOf(this.ref, Number(value));
      const shown = this.shown;
      if (text !== shown.text) this.text.textContent = shown.text = text;
      if (empty !== shown.empty) this.el.classList.toggle("is-empty", shown.empty = empty);
      if (tone !== shown.tone) {
        if (shown.tone) this.el.classList.remove(shown.tone);
        if (tone) this.el.classList.add(tone);
        shown.tone = tone;
      }
      if (value !== shown.value) {
        if (value === null) this.el.removeAttribute("data-value");
        else this.el.setAttribute("data-value", value);
        shown.value = value;
      }
    }

    // The change a state makes: its value from `values`, by its position (null: its final value).
    change(step, values) {
      return { step: step, value: values ? sameAs(values[this.position], this.final.value) : null };
    }

    // Take its value in another trace as its final one (the build's own when `built`); false when the trace lacks it
    // (a target's character, a step past the window, a gradient).
    reload(trace, built) {
      const v = valueAt(trace, this.ref, this.t, this.i, this.j);
      if (v === undefined) return false;
      this.final = built || String(v) === this.built.value ? this.built : { text: formatValue(this.ref, v), value: String(v) };
      this.shown.text = null;
      return true;
    }

    // Its value as shown now (the full value, as a string), or null while it has none.
    value() {
      return this.el.getAttribute("data-value");
    }

    // Its box in the window.
    box() {
      return this.el.getBoundingClientRect();
    }
  }

  // A value a mark writes (Python's repr), as the cell's own final value when it is that number: the build writes
  // `0.0` in a mark where the script, reading the trace, wrote `0`; a cell keeps one spelling of one number.
  function sameAs(value, final) {
    return final !== null && Object.is(Number(value), Number(final)) ? final : value;
  }

  // --- big arrays (generator/render/diagram.py): collapsed columns, heat maps, and every array's frame ---
  // diagram.top_rows: the target's row, then the `top` most probable others (ties: the lower index first).
  function topRows(p, target, top) {
    const rows = p.map((v, i) => i).filter((i) => i !== target).sort((a, b) => p[b] - p[a] || a - b);
    return [target].concat(rows.slice(0, top));
  }

  // An array's frame, drawn around its cells (the stylesheet shows it only when the array is in play). Their places
  // are read from the attributes the build writes (diagram.py: translate(x y)): the SVG DOM's lists cost more.
  function drawFrame(g, cells) {
    const at = (cell) => {
      const found = /^translate\(([^ ]+) ([^ ]+)\)$/.exec(cell.el.getAttribute("transform"));
      if (!found) throw new Error("a cell of " + g.getAttribute("data-ref") + " is not placed by translate(x y)");
      return { x: Number(found[1]), y: Number(found[2]) };
    };
    const first = at(cells[0]), last = at(cells[cells.length - 1]); // top left, bottom right
    const size = cells[0].el.firstChild; // the cells' rect, all of one size
    const frame = document.createElementNS(SVG, "rect");
    frame.setAttribute("class", "rnn-frame");
    frame.setAttribute("x", first.x - 3);
    frame.setAttribute("y", first.y - 3);
    frame.setAttribute("width", last.x - first.x + Number(size.getAttribute("width")) + 6);
    frame.setAttribute("height", last.y - first.y + Number(size.getAttribute("height")) + 6);
    frame.setAttribute("rx", 5);
    g.prepend(frame);
  }

  // A heat map (generator/render/diagram.py): an array drawn as one tile per value, coloured by its value's class,
  // from its data-heat "x y pitch-x pitch-y rows columns" (columns 0: a vector). It stands for every cell of its
  // array at once (a program's marks name heat-mapped arrays whole): its values are an array in the array's order,
  // a gradient's from data-v ("!" after a clipped one), the others' from the trace; the tiles of one colour class
  // are one path, and the clipped ones are outlined by two more. `at` is the keyboard's tile (Player.heatFocus).
  class HeatMap {
    constructor(g, trace) {
      const [x, y, dx, dy, rows, columns] = g.getAttribute("data-heat").split(" ").map(Number);
      const given = g.getAttribute("data-v");
      this.el = g;
      this.ground = g.querySelector(".rnn-heat-ground");
      this.ref = g.getAttribute("data-ref");
      this.t = numberAttribute(g, "data-t");
      this.geometry = { x: x, y: y, dx: dx, dy: dy, rows: rows, columns: columns };
      this.size = rows * (columns || 1);
      this.built = given ? given.replace(/!/g, "").split(" ") : this.read(trace);
      this.final = this.built; // what it holds at the program's end
      this.changes = []; // {step, values}: from `step` on it holds `values` (null: its final values)
      this.given = false; // shows its final values until the program first changes it
      this.paths = new Map(); // colour class -> {el: its path (made when a value first takes that class), d}
      this.at = 0;
      this.clipped = new Set(); // the tiles of the values clipping changed
      if (given && given.indexOf("!") >= 0) {
        given.split(" ").forEach((v, n) => { if (v.slice(-1) === "!") this.clipped.add(n); });
      }
      this.shown = null; // nothing is drawn until build() and attach()
      this.aside = null; // what build() made, until attach() puts it in the page
    }

    // Make it as the build left it (its final values, the clipped tiles outlined), aside from the page: set-up
    // makes each heat map in a step of its own, then attach() puts them all in at once (one repaint).
    build() {
      const columns = this.geometry.columns || 1;
      const outlines = ["", ""]; // neighbours in two paths, a checkerboard: where outlines meet, both are drawn
      for (const n of this.clipped) outlines[(Math.floor(n / columns) + n % columns) % 2] += this.tile(n);
      this.aside = { paths: document.createDocumentFragment(), outlines: [] };
      for (const d of outlines.filter(Boolean)) {
        const path = document.createElementNS(SVG, "path");
        path.setAttribute("class", "rnn-clipped-tiles");
        path.setAttribute("d", d);
        this.aside.outlines.push(path);
      }
      this.draw(this.final); // the build's last state, as every cell shows it before the script's first step
    }

    attach() {
      this.ground.after(this.aside.paths);
      this.el.append(...this.aside.outlines);
      this.aside = null;
    }

    // Its values in a trace, in its order (undefined when the trace lacks them: a gradient, a step past the window).
    read(trace) {
      const array = this.t !== null ? trace.steps[this.t] && trace.steps[this.t][this.ref]
        : this.ref === "hidden_state_prev" ? trace.hidden_state_prev : trace.params[this.ref];
      return array && this.geometry.columns ? array.flat() : array;
    }

    // Tile n's outline as path data: the pitch less one pixel, so a pixel of the ground shows between tiles. It is
    // its column's part then its row's, which draw() writes once each.
    tile(n) {
      const columns = this.geometry.columns || 1;
      return this.columnPart(n % columns) + this.rowPart(Math.floor(n / columns));
    }

    columnPart(j) {
      return "M" + (this.geometry.x + j * this.geometry.dx) + " ";
    }

    rowPart(i) {
      const g = this.geometry;
      return g.y + i * g.dy + "h" + (g.dx - 1) + "v" + (g.dy - 1) + "h" + (1 - g.dx) + "z";
    }

    // Show what it holds at state k: the tiles redrawn when their values are others than those shown.
    paint(k) {
      let change = null;
      for (const c of this.changes) if (c.step <= k) change = c;
      const values = change ? change.values || this.final : this.given ? this.final : null;
      if (values !== this.shown) this.draw(values);
    }

    // Draw `values` (null: none, the ground shows), writing only the paths whose tiles differ.
    draw(values) {
      this.shown = values;
      const tiles = new Map(), g = this.geometry, columns = g.columns || 1, xs = [], ys = [];
      if (values) { // tile(n), from its column's part and its row's, each written once
        for (let j = 0; j < columns; j++) xs.push(this.columnPart(j));
        for (let i = 0; i < g.rows; i++) ys.push(this.rowPart(i));
        for (let n = 0; n < this.size; n++) {
          const tone = toneOf(this.ref, Number(values[n]));
          tiles.set(tone, (tiles.get(tone) || "") + xs[n % columns] + ys[Math.floor(n / columns)]);
        }
      }
      for (const [tone, path] of this.paths) {
        if (tiles.has(tone) || !path.d) continue;
        path.el.removeAttribute("d");
        path.d = "";
      }
      for (const [tone, d] of tiles) {
        let path = this.paths.get(tone);
        if (!path) {
          path = { el: document.createElementNS(SVG, "path"), d: "" };
          path.el.setAttribute("class", tone ? "rnn-tiles " + tone : "rnn-tiles");
          if (this.aside) this.aside.paths.prepend(path.el); // as after the ground: the newest first
          else this.ground.after(path.el);
          this.paths.set(tone, path);
        }
        if (path.d !== d) path.el.setAttribute("d", path.d = d);
      }
    }

    // The change a state makes: `values` by position (null: the final values).
    change(step, values) {
      return { step: step, values: values };
    }

    // Take the values of another trace as its final ones (the build's own when `built`); false when it lacks them.
    reload(trace, built) {
      const values = this.read(trace);
      if (values === undefined) return false;
      this.final = built ? this.built : values;
      return true;
    }

    // "ref[t][i, j]": tile n's name as the code writes it.
    name(n) {
      const columns = this.geometry.columns, i = Math.floor(n / (columns || 1));
      return this.ref + (this.t === null ? "" : "[" + this.t + "]") + "[" + i + (columns ? ", " + n % columns : "") + "]";
    }

    // Tile n's value as shown now (its full value, as a string), or null while it has none.
    value(n) {
      return this.shown ? String(this.shown[n]) : null;
    }

    // What tile (i, j) shows now, {value, tone, clipped} (j null in a vector), or null when the map has no such tile.
    look(i, j) {
      const { rows, columns } = this.geometry, inside = (v, most) => Number.isInteger(v) && v >= 0 && v < most;
      if (!inside(i, rows) || (columns ? !inside(j, columns) : j !== null)) return null;
      const n = i * (columns || 1) + (j || 0), value = this.value(n);
      return { value: value, tone: value === null ? "" : toneOf(this.ref, Number(value)), clipped: this.clipped.has(n) };
    }

    // The ground's box in the window, and the diagram's scale on screen.
    placed() {
      const box = this.ground.getBoundingClientRect();
      return { box: box, scale: box.width / ((this.geometry.columns || 1) * this.geometry.dx - 1) };
    }

    // The tile under a point of the window (the nearest one, from the gaps between tiles and the edges).
    tileAt(x, y) {
      const g = this.geometry, columns = g.columns || 1, { box, scale } = this.placed();
      const to = (v, pitch, most) => Math.max(0, Math.min(most - 1, Math.floor(v / scale / pitch)));
      return to(y - box.top, g.dy, g.rows) * columns + to(x - box.left, g.dx, columns);
    }

    // Tile n's box in the window.
    box(n) {
      const g = this.geometry, columns = g.columns || 1, { box, scale } = this.placed();
      return { left: box.left + n % columns * g.dx * scale, top: box.top + Math.floor(n / columns) * g.dy * scale,
        width: (g.dx - 1) * scale };
    }
  }

  // Arrow keys move the keyboard's tile in a heat map: along its rows, and its columns (a matrix) or its time steps
  // (a step's vector: the focus moves to that step's map). Each quantity is one stop of the Tab order.
  const ARROWS = { ArrowUp: [-1, 0], ArrowDown: [1, 0], ArrowLeft: [0, -1], ArrowRight: [0, 1] };
  function heatMove(player, event) {
    const heat = player.diagram.cells.get(event.target), move = ARROWS[event.key];
    if (!(heat instanceof HeatMap) || !move) return false;
    event.preventDefault();
    const { rows, columns } = heat.geometry, i = Math.floor(heat.at / (columns || 1)) + move[0];
    const j = columns ? heat.at % columns + move[1] : 0;
    const next = columns || !move[1] ? heat : heat.t === null ? null : player.diagram.heatAt(heat.ref, heat.t + move[1]);
    if (!next || i < 0 || i >= rows || j < 0 || j >= (columns || 1)) return true;
    next.at = i * (columns || 1) + j;
    if (next === heat) player.heatFocus(heat);
    else {
      heat.el.tabIndex = -1;
      heatStop(next);
      next.el.focus({ preventScroll: true }); // its focusin shows the tile (Player.onPoint)
    }
    player.ring.scrollIntoView({ block: "nearest", inline: "nearest" });
    return true;
  }

  // The one heat map of a quantity in the Tab order.
  function heatStop(heat) {
    heat.el.tabIndex = 0;
    heat.el.setAttribute("role", "img");
    heat.el.setAttribute("aria-label", heat.name(heat.at));
  }
  // --- end big arrays ---

  // The diagram's arrays and cells, indexed by quantity, time step and element ("ref:t", "ref:t:i").
  class Diagram {
    constructor(svg, trace) {
      this.arrays = new Map(); // "ref:t" -> {el: g.rnn-array, cells, size, heat}: a heat map stands for all its cells
      this.elements = new Map(); // "ref:t:i" -> the cells of element i (a matrix row holds several)
      this.cells = new Map(); // g.rnn-cell -> its Cell, g.rnn-heat -> its HeatMap
      this.rows = JSON.parse(svg.getAttribute("data-rows") || "null"); // a collapsed column's row names
      this.rate = trace.spec.learning_rate;
    }

    // The arrays inside `part` (the diagram, or the gradients a big figure loads later), with their cells; returns
    // the heat maps among them.
    add(part, trace) {
      return run(this.adding(part, trace));
    }

    // add() an array at a time: it yields after each (set-up gives the page a turn there; see slices) and returns
    // the heat maps. What it draws (heat maps' tiles, arrays' frames) goes into the page at the end, in one step:
    // the browser repaints the diagram once, not after every step of the set-up.
    *adding(part, trace) {
      const heats = [], framed = [];
      for (const g of part.querySelectorAll(".rnn-array")) {
        yield;
        const key = arrayKey(g.getAttribute("data-ref"), numberAttribute(g, "data-t"));
        if (g.classList.contains("rnn-heat")) {
          const heat = new HeatMap(g, trace);
          this.arrays.set(key, { el: g, cells: [heat], size: heat.size, heat: heat });
          this.cells.set(g, heat);
          heats.push(heat);
          continue;
        }
        const size = numberAttribute(g, "data-n"); // a collapsed column: its cells sit at their data-i
        const cells = Array.from(g.querySelectorAll(".rnn-cell"), (el, position) => new Cell(el, position, trace));
        if (size !== null) for (const cell of cells) cell.position = cell.i;
        if (!g.querySelector(".rnn-frame")) framed.push([g, cells]);
        this.arrays.set(key, { el: g, cells: cells, size: size === null ? cells.length : size, heat: null });
        for (const cell of cells) {
          this.index(cell);
          this.cells.set(cell.el, cell);
        }
      }
      for (const heat of heats) {
        yield;
        heat.build();
      }
      for (const heat of heats) heat.attach();
      for (const [g, cells] of framed) drawFrame(g, cells);
      return heats;
    }

    // The heat map of `ref` at step t, when it is drawn and shown (a reader's shorter window hides later steps).
    heatAt(ref, t) {
      const array = this.arrays.get(arrayKey(ref, t));
      return array && array.heat && array.el.getAttribute("display") !== "none" ? array.heat : null;
    }

    // The values of the array a mark names at the program's end, by position (a collapsed column's rows not drawn:
    // undefined).
    finals(mark) {
      const cells = this.cellsOf(mark), array = this.arrays.get(arrayKey(mark.ref, mark.t));
      if (array.heat) return array.heat.final;
      const values = new Array(array.size);
      for (const cell of cells) values[cell.position] = cell.final.value;
      return values;
    }

    index(cell) {
      const element = elementKey(cell.ref, cell.t, cell.i);
      if (!this.elements.has(element)) this.elements.set(element, []);
      this.elements.get(element).push(cell);
    }

    // A collapsed column shows the target's row and the most probable others: pick them again for `trace`.
    repick(trace) {
      for (const { el, cells, heat } of this.arrays.values()) {
        if (heat) continue;
        const top = numberAttribute(el, "data-top"), t = numberAttribute(el, "data-t");
        const xs = el.getAttribute("data-ref") === "xs" && el.hasAttribute("data-n");
        if ((!top && !xs) || t >= trace.inputs.length) continue; // a step past a shorter window is hidden
        const rows = xs ? [trace.inputs[t]] : topRows(trace.steps[t].probabilities, trace.targets[t], top);
        cells.forEach((cell, n) => {
          const i = rows[n], old = this.elements.get(elementKey(cell.ref, t, cell.i));
          if (i === cell.i) return;
          old.splice(old.indexOf(cell), 1);
          cell.el.setAttribute("data-i", cell.i = cell.position = i);
          this.index(cell);
          if (xs) cell.built = { text: this.rows[i], value: cell.built.value };
          else cell.el.lastChild.textContent = this.rows[i]; // its row's name
        });
      }
    }

    // The cells a mark names: a whole array, or one element of it.
    cellsOf(mark) {
      const cells = mark.i === null ? (this.arrays.get(arrayKey(mark.ref, mark.t)) || {}).cells
        : this.elements.get(elementKey(mark.ref, mark.t, mark.i));
      if (!cells || !cells.length) {
        throw new Error("the diagram has no " + (mark.i === null ? arrayKey : elementKey)(mark.ref, mark.t, mark.i));
      }
      return cells;
    }

    // The elements a state's marks outline: a whole array (its group, framed), or the cells of one element.
    outlined(marks) {
      const found = [];
      for (const mark of marks) {
        const cells = this.cellsOf(mark); // throws when the diagram lacks what the program names
        if (mark.i === null) found.push(this.arrays.get(arrayKey(mark.ref, mark.t)).el);
        else for (const cell of cells) found.push(cell.el);
      }
      return found;
    }

    // Per state, the cells it changes; `into` learns, per cell, the states at which it changes and to what.
    timeline(states, into) {
      return states.map((state, step) => {
        const changed = [];
        for (const mark of state.made) {
          const cells = this.cellsOf(mark);
          if (mark.values && mark.values[0] === "@sgd") { // a weight after sgd's step: w - rate * g, as numpy does it
            const grads = this.finals(parseMark("grads." + mark.ref));
            mark.values = Array.from(this.finals(mark), (w, n) => String(w - this.rate * grads[n]));
          } else if (mark.values && mark.values[0].charAt(0) === "@") { // "=@ref:t": that array's final values
            mark.values = this.finals(parseMark(mark.values[0].slice(1)));
          }
          const size = mark.i === null ? this.arrays.get(arrayKey(mark.ref, mark.t)).size : cells.length;
          if (mark.values && mark.values.length !== size) {
            throw new Error("state " + step + " gives " + mark.values.length + " values to " + size + " cells");
          }
          for (const cell of cells) {
            if (!into.has(cell)) into.set(cell, []);
            into.get(cell).push(cell.change(step, mark.values));
            changed.push(cell);
          }
        }
        return changed;
      });
    }
  }

  // A program the figure plays: the forward pass, or one training update. Its states, lines, changes, outlines.
  class Program {
    constructor(figure, name, diagram, forward, trace) {
      run(this.read(figure, name, diagram, forward, trace));
    }

    // What the constructor does, in steps (Player.read gives the page a turn between them).
    *read(figure, name, diagram, forward, trace) {
      const list = figure.querySelector('.rnn-states[data-program="' + name + '"]') || document.querySelector(
        '.rnn-programs > [data-program="' + name + '"][data-for="' + CSS.escape(figure.getAttribute("data-rnn")) + '"]');
      const listing = figure.querySelector('.rnn-code[data-program="' + name + '"]');
      if (listing && listing.hasAttribute("data-shared")) { // a copy of the page's first
        const first = document.querySelector('.rnn-code[data-program="' + name + '"]:not([data-shared])');
        if (!first) throw new Error("the page has no " + name + " listing to share");
        listing.innerHTML = first.innerHTML;
        listing.removeAttribute("data-shared");
      }
      if (!list || !listing) throw new Error("the figure has no " + name + " program");
      this.name = name;
      this.list = list;
      this.states = name === "forward" ? yield* expandStates(list, trace) : Array.from(list.children, parseState);
      yield;
      const inside = (list.getAttribute("data-forward") || "").split(" ").map(Number); // at, line offset
      if (forward && inside.length === 2) { // the forward pass inside the update, its lines moved
        this.states.splice(inside[0], 0, ...forward.states.map((state) =>
          Object.assign({}, state, { line: String(Number(state.line) + inside[1]) })));
      }
      if (!this.states.length) throw new Error("the " + name + " program has no states");
      this.given = new Set((list.getAttribute("data-given") || "").split(" ").filter(Boolean));
      this.lines = new Map(Array.from(listing.querySelectorAll(".rnn-line"), (el) => [el.getAttribute("data-line"), el]));
      this.cellChanges = new Map();
      this.changes = diagram.timeline(this.states, this.cellChanges); // per state, the cells it changes
      yield;
      this.outlines = this.states.map((state, k) => {
        if (!this.lines.has(state.line)) throw new Error("state " + k + " is on line " + state.line + ", not listed");
        return { made: diagram.outlined(state.made), used: diagram.outlined(state.used) };
      });
    }
  }

  const MODES = ["forward", "update"];

  // Swap a class from one set of elements to another, touching only those that differ.
  function moveClass(name, before, after) {
    for (const el of before) if (after.indexOf(el) < 0) el.classList.remove(name);
    for (const el of after) if (before.indexOf(el) < 0) el.classList.add(name);
    return after;
  }

  // --- training, replayed (generator/model/replay.py): fast_training's loop, operation for operation ---
  const PARAMS = ["input_weights_U", "hidden_weights_W", "hidden_bias", "output_weights_V", "output_bias"];
  const TRAIN_MS = 180; // one checkpoint per frame while training plays

  // x[0]*y[0] + x[1]*y[1] + ..., summed left to right as the unrolled Python writes it.
  function dot(x, y) {
    let sum = x[0] * y[0];
    for (let i = 1; i < x.length; i++) sum += x[i] * y[i];
    return sum;
  }

  // Where training stands after some update: the five weights and the adagrad memory as flat Float64Arrays (in
  // PARAMS order, each array row by row), the data loop's position and the hidden state it carries.
  function standing(anchor, size) {
    return { update: anchor.update, weights: Float64Array.from(anchor.params),
      memory: anchor.memory.length ? Float64Array.from(anchor.memory) : new Float64Array(size),
      position: anchor.position, hidden: Float64Array.from(anchor.hidden) };
  }

  // Train `at` on to update n as min-char-rnn trains (the window the loop cuts, forward, backward through time,
  // clip, step), with fast_training's operations in its order, on flat arrays: U[i][k] is U[i * K + k].
  function trainOn(at, n, spec, encoded, H, K) {
    const L = spec.seq_length, rate = spec.learning_rate, clip = spec.clip, adagrad = spec.optimizer === "adagrad";
    const P = at.weights, M = at.memory, oW = H * K, ob = oW + H * H, oV = ob + H, oc = oV + K * H;
    const G = new Float64Array(P.length), hs = new Float64Array((L + 1) * H), ps = new Float64Array(L * K);
    const e = new Float64Array(K), r = new Float64Array(H), dn = new Float64Array(H), next = new Float64Array(H);
    let position = at.position;
    const h = at.hidden;
    for (let u = at.update + 1; u <= n; u++) {
      if (position + L + 1 >= encoded.length || u === 1) { position = 0; h.fill(0); }
      hs.set(h);
      for (let t = 0; t < L; t++) {
        const x = encoded[position + t], last = t * H, now = last + H;
        for (let i = 0; i < H; i++) {
          let sum = P[oW + i * H] * hs[last];
          for (let j = 1; j < H; j++) sum += P[oW + i * H + j] * hs[last + j];
          hs[now + i] = Math.tanh(P[i * K + x] + sum + P[ob + i]);
        }
        let total = 0;
        for (let k = 0; k < K; k++) {
          let sum = P[oV + k * H] * hs[now];
          for (let i = 1; i < H; i++) sum += P[oV + k * H + i] * hs[now + i];
          e[k] = Math.exp(sum + P[oc + k]);
          total = k ? total + e[k] : e[k];
        }
        for (let k = 0; k < K; k++) ps[t * K + k] = e[k] / total;
      }
      G.fill(0);
      dn.fill(0);
      for (let t = L - 1; t >= 0; t--) {
        const a = (t + 1) * H, q = t * H, target = encoded[position + t + 1];
        for (let k = 0; k < K; k++) e[k] = k === target ? ps[t * K + k] - 1 : ps[t * K + k]; // output_grad
        for (let k = 0; k < K; k++) for (let i = 0; i < H; i++) G[oV + k * H + i] += e[k] * hs[a + i];
        for (let k = 0; k < K; k++) G[oc + k] += e[k];
        for (let i = 0; i < H; i++) {
          let sum = P[oV + i] * e[0];
          for (let k = 1; k < K; k++) sum += P[oV + k * H + i] * e[k];
          r[i] = (1 - hs[a + i] * hs[a + i]) * (sum + dn[i]);
        }
        for (let i = 0; i < H; i++) G[ob + i] += r[i];
        for (let i = 0; i < H; i++) G[i * K + encoded[position + t]] += r[i];
        for (let i = 0; i < H; i++) for (let j = 0; j < H; j++) G[oW + i * H + j] += r[i] * hs[q + j];
        for (let j = 0; j < H; j++) {
          let sum = P[oW + j] * r[0];
          for (let i = 1; i < H; i++) sum += P[oW + i * H + j] * r[i];
          next[j] = sum;
        }
        dn.set(next);
      }
      for (let w = 0; w < P.length; w++) {
        const g = G[w] > clip ? clip : G[w] < -clip ? -clip : G[w];
        if (adagrad) {
          M[w] += g * g;
          P[w] += -rate * g / Math.sqrt(M[w] + 1e-8);
        } else P[w] -= rate * g;
      }
      h.set(hs.subarray(L * H));
      position += L;
    }
    at.update = n;
    at.position = position;
    return at;
  }

  // rnn.checkpoint_updates: round(i * updates / 50) for i = 0 … 50 (Python rounds half to even), no repeats.
  function checkpoints(updates) {
    const found = [];
    for (let i = 0; i <= 50; i++) {
      const x = i * updates / 50, whole = Math.floor(x), part = x - whole;
      const n = part > 0.5 || (part === 0.5 && whole % 2) ? whole + 1 : whole;
      if (found[found.length - 1] !== n) found.push(n);
    }
    return found;
  }

  // Flat weights -> the arrays shaped as `like` (a trace's params: matrices as rows, vectors flat).
  function unflat(flat, like) {
    let at = 0;
    const out = {};
    for (const name of PARAMS) out[name] = like[name].map((row) => (Array.isArray(row) ? row.map(() => flat[at++]) : flat[at++]));
    return out;
  }

  // `forward` on the trace's window with other weights, in numpy's order: the steps a trace records.
  function forwardSteps(trace, params) {
    const U = params.input_weights_U, W = params.hidden_weights_W, b = params.hidden_bias;
    const V = params.output_weights_V, c = params.output_bias;
    let h = trace.hidden_state_prev, loss = 0;
    return trace.inputs.map((x, t) => {
      const last = h, target = trace.targets[t];
      const xs = c.map((ignored, k) => (k === x ? 1 : 0));
      h = b.map((bias, i) => Math.tanh(dot(U[i], xs) + dot(W[i], last) + bias));
      const outputs = c.map((bias, k) => dot(V[k], h) + bias), e = outputs.map(Math.exp);
      let total = e[0];
      for (let k = 1; k < e.length; k++) total += e[k];
      const probabilities = e.map((v) => v / total);
      loss += -Math.log(probabilities[target]);
      return { xs: xs, hidden_states: h, outputs: outputs, probabilities: probabilities,
        target_probability: probabilities[target], loss: loss };
    });
  }

  // The value of one cell in a trace: a weight (i, j), hidden_state_prev (i), or step t's element i.
  // A forward-pass quantity's value in a trace (undefined for the training step's gradients and new weights,
  // which only the trained network's trace holds).
  function valueAt(trace, ref, t, i, j) {
    if (t === null) {
      const array = ref === "hidden_state_prev" ? trace.hidden_state_prev : trace.params[ref];
      return array === undefined ? undefined : j === null ? array[i] : array[i][j];
    }
    const value = trace.steps[t] && trace.steps[t][ref];
    return value === undefined || i === null ? value : value[i];
  }

  const formatVector = (ref, values) => "[" + values.map((v) => formatValue(ref, v)).join(", ") + "]";

  // narration.fill: a sentence's template with a trace's values ({REF:T}, {REF:T:I}, {REF}, then |-log).
  function fill(template, trace) {
    return template.replace(/\{\{|\}\}|\{([^{}]+)\}/g, (whole, slot) => {
      if (slot === undefined) return whole.charAt(0);
      const parts = slot.split("|"), path = parts[0].split(":"), ref = path[0];
      let value = path.length === 1 ? trace[ref] : trace.steps[Number(path[1])][ref];
      if (path.length > 2) value = value[Number(path[2])];
      if (parts[1] === "-log") return formatValue("loss", -Math.log(value));
      const quantity = ref === "target_probability" ? "probabilities" : ref;
      return Array.isArray(value) ? formatVector(quantity, value) : formatValue(quantity, value);
    });
  }

  // --- your own input: the forward program of any window, from the page's templates (generator/render/windows.py) ---
  // A template is a state with $-variables: $t the step, $p the one before, $x $y its input's and target's indices,
  // $X $Y their characters as the build writes them, $o the one-hot xs, $l the last step, $n the length, $$ a $.
  const lit = (text) => text.replace(/[{}]/g, "$&$&"); // narration.literal: braces doubled

  function* expandStates(list, trace) { // a generator: it yields after each step's states
    const labels = list.getAttribute("data-labels").split("\n"), length = trace.inputs.length;
    const ends = { l: length - 1, n: length }, parts = { before: [], 0: [], t: [], after: [] };
    for (const li of list.children) {
      const loop = li.getAttribute("data-loop");
      parts[loop !== null ? loop : parts.t.length ? "after" : "before"].push(li);
    }
    const states = [];
    const write = (li, values) => {
      const sub = (name) => (name ? li.getAttribute(name) || "" : li.textContent).replace(/\$([$tpxyXYoln])/g, (m, v) => (v === "$" ? "$" : values[v]));
      const marks = (name) => { const text = sub(name); return text ? text.split(" ").map(parseMark) : []; };
      const template = sub(null), sentence = fill(template, trace);
      states.push({ line: sub("data-line"), made: marks("data-made"), used: marks("data-used"), sentence: sentence,
        built: sentence, template: template });
    };
    for (const li of parts.before) write(li, ends);
    for (let t = 0; t < length; t++) {
      const x = trace.inputs[t], y = trace.targets[t], values = Object.assign({ t: t, p: t - 1, x: x, y: y,
        X: lit(labels[x]), Y: lit(labels[y]), o: formatVector("xs", labels.map((c, k) => (k === x ? 1 : 0))) }, ends);
      for (const li of parts[t ? "t" : 0]) write(li, values);
      yield;
    }
    for (const li of parts.after) write(li, ends);
    return states;
  }

  // values.character_label for any character (Python's repr): the vocabulary's own come from the page.
  function characterLabel(ch) {
    const escapes = { "\\": "\\\\", "\n": "\\n", "\r": "\\r", "\t": "\\t" }, code = ch.codePointAt(0);
    let body = escapes[ch] || ch;
    if (!escapes[ch] && ch !== " " && /[\p{C}\p{Z}]/u.test(ch)) {
      const hex = code.toString(16), width = code < 0x100 ? 2 : code < 0x10000 ? 4 : 8;
      body = "\\" + (width === 2 ? "x" : width === 4 ? "u" : "U") + hex.padStart(width, "0");
    }
    return ch === "'" ? "\"'\"" : "'" + body + "'";
  }

  // The numbers table and the weights list with a trace's values (figure.number_rows and weight_rows).
  function writeNumbers(numbers, trace) {
    numbers.querySelectorAll("tbody tr").forEach((row, t) => {
      const cells = row.querySelectorAll("td"), step = trace.steps[t];
      ["xs", "hidden_states", "outputs", "probabilities"].forEach((ref, n) => {
        cells[n + 1].textContent = formatVector(ref, step[ref]);
      });
      cells[6].textContent = formatValue("loss", step.loss);
    });
    numbers.querySelectorAll(".rnn-weights dd").forEach((dd, n) => {
      const name = PARAMS[n] || "hidden_state_prev", values = name in trace.params ? trace.params[name] : trace.hidden_state_prev;
      dd.textContent = Array.isArray(values[0]) ? values.map((row) => formatVector(name, row)).join(", ")
        : formatVector(name, values);
    });
  }

  api.fill = fill;
  api.checkpoints = checkpoints;

  // A trained figure's timeline: the slider "Training update", its Play, and the loss curve's marker.
  class Timeline {
    constructor(player, el) {
      const trace = player.trace, replay = trace.training.replay;
      this.player = player;
      this.el = el;
      this.updates = trace.training.updates;
      this.replay = replay;
      this.checkpoints = checkpoints(this.updates);
      this.encoded = Array.from(replay.text, (ch) => trace.vocab.indexOf(ch));
      this.slider = el.querySelector(".rnn-update");
      this.button = el.querySelector(".rnn-train");
      this.count = el.querySelector(".rnn-update-count");
      this.marker = el.querySelector(".rnn-loss-at");
      this.shown = this.updates;
      this.last = null; // where training stood after the last recompute
      this.timer = 0;
      this.onTick = player.guard(() => this.tick());
      this.listeners = {
        input: player.guard(() => { this.pause(); this.show(Number(this.slider.value), true); }),
        click: player.guard((event) => { if (event.target.closest("button") === this.button) this.toggle(); }),
      };
      for (const type of Object.keys(this.listeners)) el.addEventListener(type, this.listeners[type]);
    }

    destroy() {
      this.pause();
      for (const type of Object.keys(this.listeners)) this.el.removeEventListener(type, this.listeners[type]);
    }

    // Where a move to n lands: n itself, or on a figure that snaps the nearest checkpoint (the reader's moves:
    // the next one in the move's direction, so that a key press always moves).
    land(n, byReader) {
      n = Math.max(0, Math.min(this.updates, n));
      if (!this.replay.snap) return n;
      const points = this.checkpoints;
      if (byReader && n > this.shown) return points.find((p) => p >= n);
      if (byReader && n < this.shown) return points.filter((p) => p <= n).pop();
      return points.reduce((best, p) => (Math.abs(p - n) < Math.abs(best - n) ? p : best));
    }

    show(n, byReader) {
      n = this.land(n, byReader);
      if (n !== this.updates && !this.replay.anchors) { this.player.whenComplete(() => this.show(n, byReader)); return; }
      if (n !== this.updates && this.player.mode === "update") this.player.showMode("forward", byReader); // replays the forward pass
      if (n !== this.shown) {
        this.shown = n;
        this.player.load(n === this.updates ? this.player.window : this.recompute(n));
        if (byReader) address.follow(this.player);
      }
      const of = (x) => x.toLocaleString("en-US");
      this.slider.value = n;
      this.slider.setAttribute("aria-valuetext", "Update " + of(n) + " of " + of(this.updates) +
        (n === this.updates ? ", as trained" : "") + (this.replay.snap ? ", checkpoints only" : ""));
      this.count.textContent = of(n);
      const x = String(Math.round((3 + 594 * n / this.updates) * 10) / 10);
      this.marker.setAttribute("x1", x);
      this.marker.setAttribute("x2", x);
    }

    // The trace of the figure's window after n updates: training carried on from the nearest anchor, or from
    // where the last move left it when that is nearer (playing forward trains each update once).
    recompute(n) {
      const built = this.player.window, H = built.hidden_state_prev.length, K = built.vocab.length;
      let anchor = this.replay.anchors[0];
      for (const a of this.replay.anchors) if (a.update <= n) anchor = a;
      const last = this.last;
      const from = last && last.update <= n && last.update >= anchor.update ? last
        : standing(anchor, anchor.params.length);
      this.last = trainOn(from, n, built.spec, this.encoded, H, K);
      const params = unflat(this.last.weights, built.params);
      return Object.assign({}, built, { params: params, steps: forwardSteps(built, params),
        training: Object.assign({}, built.training, { shown_update: n }) });
    }

    // Play: the checkpoints one by one, from the start again when at the end.
    toggle() {
      if (this.timer) { this.pause(); return; }
      if (this.shown >= this.updates) this.show(0, true);
      this.button.setAttribute("aria-label", "Pause training");
      this.timer = setTimeout(this.onTick, TRAIN_MS);
    }

    pause() {
      clearTimeout(this.timer);
      this.timer = 0;
      this.button.setAttribute("aria-label", "Play training");
    }

    tick() {
      const next = this.checkpoints.find((p) => p > this.shown);
      this.show(next === undefined ? this.updates : next, true);
      if (this.shown < this.updates) this.timer = setTimeout(this.onTick, TRAIN_MS);
      else this.pause();
    }
  }

  // --- the writer (generator/model/sampling.py): the network writes on after the figure's sequence ---
  const WRITE_MOST = 50; // characters at most, per press or call

  // mulberry32: uniform draws in [0, 1) from a seed in [0, 2^32), on unsigned 32-bit integers as sampling.py draws.
  function mulberry32(seed) {
    return () => {
      seed = (seed + 0x6d2b79f5) >>> 0;
      let t = Math.imul(seed ^ (seed >>> 15), seed | 1) >>> 0;
      t = (t ^ (t + Math.imul(t ^ (t >>> 7), t | 61))) >>> 0;
      return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
    };
  }

  // sampling.draw: the first k with u * total < e[0] + ... + e[k] (added left to right), where
  // e[k] = exp(outputs[k] / temperature - the largest of those quotients) and total is the sum of every e[k].
  function draw(outputs, temperature, u) {
    const z = outputs.map((o) => o / temperature), top = Math.max(...z);
    let total = 0;
    const running = z.map((v) => (total += Math.exp(v - top)));
    return running.findIndex((below) => u * total < below);
  }

  api.label = characterLabel;

  // A character as the writer shows it: itself where Python prints it as itself, else (a space too) its label.
  const glyph = (c) => (/[\p{C}\p{Z}\\]/u.test(c) ? characterLabel(c) : c);

  // One step of `forward` from hidden state h on input x: its hidden state, outputs and probabilities.
  const stepOn = (params, h, x) => forwardSteps({ hidden_state_prev: h, inputs: [x], targets: [x] }, params)[0];

  // "Continue" and "Sample": what the network writes after the figure's sequence (its inputs, then its last target),
  // each character fed back as the next input, with the weights the figure shows now.
  class Writer {
    constructor(player) {
      const el = player.figure.querySelector(".rnn-reader > .rnn-write");
      const [temperature, seed] = el.querySelectorAll("input"), list = el.querySelector("ol");
      this.player = player;
      this.list = list;
      el.addEventListener("click", player.guard((event) => {
        if (event.target === el.firstChild) this.write(WRITE_MOST);
        else if (event.target === el.children[1] && temperature.reportValidity() && seed.reportValidity()) {
          this.write(WRITE_MOST, { seed: Number(seed.value), temperature: Number(temperature.value) });
        }
      }));
      // The written characters are one tab stop; arrows, Home and End move along them, each showing its probability.
      list.addEventListener("keydown", (event) => {
        const items = [...list.children], step = { ArrowLeft: -1, ArrowRight: 1, Home: -WRITE_MOST, End: WRITE_MOST }[event.key];
        if (!step || event.altKey) return;
        event.preventDefault();
        event.stopPropagation(); // not the player's arrows, which step through the forward pass
        const to = items[Math.max(0, Math.min(items.length - 1, items.indexOf(event.target) + step))];
        event.target.tabIndex = -1;
        to.tabIndex = 0;
        to.focus();
      });
      player.figure.addEventListener("unrolled:update", () => this.show()); // other weights, or another sequence
    }

    // The next n characters (kept within 0 and WRITE_MOST), shown and returned: the most likely each time, or
    // drawn with `sampling` ({seed, temperature}); each with the probability the network gave it.
    write(n, sampling) {
      const trace = this.player.trace, params = trace.params, probabilities = [];
      const sequence = [...trace.inputs, trace.targets[trace.targets.length - 1]], uniform = sampling && mulberry32(sampling.seed);
      let h = trace.hidden_state_prev, text = "";
      for (const x of trace.inputs) h = stepOn(params, h, x).hidden_states;
      for (let x = sequence[sequence.length - 1]; probabilities.length < Math.min(n, WRITE_MOST); text += trace.vocab[x]) {
        const step = stepOn(params, h, x), p = step.probabilities;
        x = sampling ? draw(step.outputs, sampling.temperature, uniform()) : p.indexOf(Math.max(...p)); // the first of equals
        h = step.hidden_states;
        probabilities.push(p[x]);
      }
      this.show(sequence.map((x) => glyph(trace.vocab[x])).join(""), text, probabilities, text.length + (sampling ?
        " characters sampled at temperature " + sampling.temperature + " from seed " + sampling.seed : " most likely characters"));
      return { text: text, probabilities: probabilities };
    }

    // After the sequence, the written characters as chips shaded by probability, and a sentence for the live region.
    // Without arguments: nothing.
    show(sequence, text, probabilities, summary) {
      const list = this.list;
      list.parentNode.hidden = !sequence;
      list.previousSibling.textContent = sequence || "";
      list.textContent = "";
      [...(text || "")].forEach((c, k) => {
        const li = list.appendChild(document.createElement("li"));
        li.className = toneOf("probabilities", probabilities[k]);
        li.tabIndex = k ? -1 : 0;
        li.textContent = glyph(c);
        li.appendChild(document.createElement("i")).textContent = " " + formatValue("probabilities", probabilities[k]);
      });
      list.parentNode.previousSibling.textContent = summary || "";
    }
  }

  // --- the hidden state's space: generator/model/state_space.py and render/state_plot.py, in the page ---
  const SAME = 1e-9, BOX = "M30 32h180v180H30z", EVENTS = ["unrolled:step", "unrolled:update", "unrolled:mode"];
  // Each projection's frame and axis names; (x, y) in [-1, 1]² is drawn at (120 + 90x, 122 - 90y).
  const FRAMES = {
    line: [BOX + "M30 122h180", "214,126,[0]"], // hidden size 1: (h[0], 0)
    plane: [BOX + "M30 122h180M120 32v180", "214,126,[0]|124,28,[1]"],
    cube: ["M30 92h120v120H30zM90 32h120v120H90zM30 92l60-60M150 92l60-60M150 212l60-60M30 212l60-60",
      "162,216,[0]|4,90,[1]|36,178,[2]"],
    components: [BOX, "30,236,first two principal components"],
  };

  // state_space.project: a state's place in [-1, 1]².
  function project(h, how) {
    const k = how.kind;
    if (k === "components") return how.components.map((row) => dot(row, h.map((v, i) => v - how.mean[i])) / how.scale);
    return k === "cube" ? [(h[0] + 0.5 * h[2]) / 1.5, (h[1] + 0.5 * h[2]) / 1.5] : [h[0], k === "line" ? 0 : h[1]];
  }

  // state_space.visited_states, distinct and plot.space_sentence: the cloud and its text alternative.
  function* cloud(trace, text) { // a generator: it yields after each window
    const L = trace.spec.seq_length, code = Array.from(text, (ch) => trace.vocab.indexOf(ch)), points = [], counts = [];
    let h = trace.hidden_state_prev.map(() => 0), more = "";
    for (let p = 0; p + L + 1 < code.length; p += L) {
      const window = { hidden_state_prev: h, inputs: code.slice(p, p + L), targets: code.slice(p + 1, p + L + 1) };
      for (const step of forwardSteps(window, trace.params)) {
        h = step.hidden_states;
        const k = points.findIndex((q) => q.every((v, i) => Math.abs(v - h[i]) <= SAME));
        if (k >= 0) counts[k]++;
        else if (points.length < 200) counts[points.push(h) - 1] = 1;
        else more = "more than ";
      }
      yield;
    }
    const back = points.filter((p, k) => counts[k] > 1), named = back.slice(0, 3).map((p) => "(" +
      p.map((v) => formatValue("hidden_states", v)).join(", ") + ")");
    if (back.length > 3) named.push("and " + (back.length - 3) + " more");
    const again = back.length ? back.length + " of them again and again: " + named.join(", ") : "none twice";
    return { points: points, say: "Reading its training text, the hidden state visits " + more + points.length +
      (points.length > 1 ? " points, " : " point, ") + again + "." };
  }

  // A figure's svg.rnn-plot, put before the build's sentence: the cloud, the window's path (hidden_state_prev,
  // hidden_states[0 … T-1]) and the hidden state made by the player's step, kept in step with the player.
  class StatePlot {
    constructor(player, el) {
      const frame = FRAMES[player.trace.state_space.projection.kind], svg = el.querySelector(".rnn-plot");
      el.querySelector("p").id = player.name + ":space";
      svg.removeAttribute("aria-hidden");
      svg.setAttribute("role", "img");
      svg.setAttribute("aria-label", "The hidden state's space, and this window's path through it");
      svg.setAttribute("aria-describedby", player.name + ":space");
      svg.innerHTML = '<path class="rnn-edges" d="' + frame[0] + '"/>' + frame[1].replace(/(\d+),(\d+),([^|]+)\|?/g,
        '<text x="$1" y="$2">$3</text>') + '<g class="rnn-cloud"></g><path class="rnn-path"/><circle class="rnn-now" ' +
        'r="6"/><text class="rnn-at" x="30" y="16"></text>';
      this.player = player;
      this.part = (s) => el.querySelector(s);
      this.params = null; // the weights the cloud is drawn for
      this.onEvent = player.guard(() => this.draw());
      for (const type of EVENTS) player.figure.addEventListener(type, this.onEvent);
      this.draw(false);
      // The cloud runs the network over its whole text: in steps (slices) from the task after this one, so that
      // starting the figures does not block the page for longer; complete() waits for it.
      this.drawn = new Promise((resolve) => setTimeout(() => slices(this.firstCloud(), resolve), 0));
    }

    *firstCloud() {
      const trace = this.player.trace;
      try {
        const found = yield* cloud(trace, (trace.training.replay || trace.state_space).text);
        if (this.params === null && this.player.trace === trace) this.showCloud(trace, found); // else drawn since
      } catch (error) {
        this.player.fail(error);
      }
    }

    // The cloud of `trace`'s weights (found by cloud()) and its sentence.
    showCloud(trace, found) {
      const at = (h) => project(h, trace.state_space.projection).map((v, i) => (i ? 122 - 90 * v : 120 + 90 * v));
      this.part(".rnn-cloud").innerHTML = found.points.map((p) => '<circle r="4" cx="' + at(p).join('" cy="') + '"/>')
        .join("");
      if (this.part("p").textContent !== found.say) this.part("p").textContent = found.say;
      this.params = trace.params;
    }

    destroy() {
      for (const type of EVENTS) this.player.figure.removeEventListener(type, this.onEvent);
    }

    draw(withCloud = true) {
      const player = this.player, trace = player.trace, part = this.part;
      const at = (h) => project(h, trace.state_space.projection).map((v, i) => (i ? 122 - 90 * v : 120 + 90 * v));
      if (withCloud && trace.params !== this.params) {
        this.showCloud(trace, run(cloud(trace, (trace.training.replay || trace.state_space).text)));
      }
      const states = [trace.hidden_state_prev].concat(trace.steps.map((s) => s.hidden_states));
      part(".rnn-path").setAttribute("d", "M" + states.map(at).join("L"));
      let t = -1; // the last hidden state made by the player's step
      for (const state of player.states.slice(0, player.step + 1)) {
        for (const mark of state.made) if (mark.ref === "hidden_states" && mark.t !== null) t = mark.t;
      }
      const now = at(states[t + 1]);
      part(".rnn-now").setAttribute("cx", now[0]);
      part(".rnn-now").setAttribute("cy", now[1]);
      part(".rnn-at").textContent = t < 0 ? "hidden_state_prev" : "hidden_states[" + t + "]";
    }
  }

  // "Input sequence": the reader's own window. The forward pass is replayed on it from the figure's
  // hidden_state_prev with the weights shown; the diagram shows its steps, the player its states, the table its rows.
  class InputBox {
    constructor(player, el) {
      const svg = player.svg;
      this.player = player;
      this.box = el.querySelector(".rnn-in");
      this.say = el.querySelector(".rnn-in-say");
      this.arrows = svg.querySelector(".rnn-arrows");
      this.paths = (this.arrows.getAttribute("data-d") || this.arrows.getAttribute("d")).match(/M[^M]*/g) || [];
      this.widths = svg.getAttribute("data-widths").split(" ").map(Number); // per window length, as the build lays out
      this.longest = this.widths.length + 1; // characters: the widest window and its last target
      this.built = { width: Number(svg.getAttribute("width")), style: player.figure.getAttribute("style") };
      this.labels = player.built.forward.list.getAttribute("data-labels").split("\n");
      this.columns = Array.from(svg.children).filter((e) => e.hasAttribute("data-t")); // a step's arrays and labels
      this.cells = Array.from(player.diagram.cells.values()).filter((c) => c instanceof Cell && c.t !== null &&
        !c.el.closest(".rnn-grads")); // a heat map draws the shown window only (player.load gives it its values)
    }

    // Why a text cannot be shown (every character of the vocabulary, 2 to `longest` of them), or null.
    problem(text) {
      const vocab = this.player.built.trace.vocab, chars = Array.from(text);
      const unknown = chars.filter((c, n) => vocab.indexOf(c) < 0 && chars.indexOf(c) === n);
      if (unknown.length) {
        return "Not in the vocabulary (" + this.labels.join(", ") + "): " + unknown.map(characterLabel).join(", ") + ".";
      }
      if (chars.length < 2 || chars.length > this.longest) {
        return "Type 2 to " + this.longest + " characters (" + chars.length + " now): each but the last is read, " +
          "each but the first is its target.";
      }
      return null;
    }

    submit() {
      this.show(this.box.value, "", true);
    }

    // Show the window `text` spells (null: the author's), or say why not and change nothing. True when shown.
    show(text, note, byReader) {
      const player = this.player, problem = text === null ? null : this.problem(text);
      if (problem) {
        this.say.textContent = problem;
        return problem;
      }
      const built = player.built.trace, codes = Array.from(text || "", (c) => built.vocab.indexOf(c));
      const inputs = codes.slice(0, -1), targets = codes.slice(1);
      let window = built; // the author's window, typed or not, keeps numpy's own numbers (tanh may differ in its last bit)
      if (text !== null && (inputs.join() !== built.inputs.join() || targets.join() !== built.targets.join())) {
        window = Object.assign({}, built, { inputs: inputs, targets: targets });
        window.steps = forwardSteps(window, window.params);
      }
      if (player.mode === "update") player.showMode("forward", byReader);
      player.pause();
      player.input = text;
      player.window = window;
      const timeline = player.timeline, length = window.inputs.length;
      const trace = timeline && timeline.shown !== timeline.updates ? timeline.recompute(timeline.shown) : window;
      this.layOut(window);
      player.diagram.repick(trace); // a collapsed column's rows, and the top rows, are the new window's
      for (const cell of this.cells) { // what each cell holds at the end, before the program reads it
        const v = cell.t < length ? valueAt(trace, cell.ref, cell.t, cell.i) : null;
        cell.final = v === null || trace === built ? cell.built : v === undefined
          ? { text: this.labels[window.targets[cell.t]], value: null } : { text: formatValue(cell.ref, v), value: String(v) };
      }
      const program = window === built ? player.built.forward : new Program(player.figure, "forward", player.diagram, null, window);
      player.programs.set("forward", program);
      player.use(program);
      player.step = player.steps - 1;
      player.scrub.max = player.steps - 1;
      player.figure.setAttribute("data-steps", player.steps);
      if (window !== built) this.rows(window);
      player.load(trace);
      for (const cell of this.cells) cell.paint(player.step);
      this.box.value = text === null ? this.box.defaultValue : text;
      this.say.textContent = note || (text === null ? "" : "Training step brings back the network's own window.");
      if (byReader) address.follow(player);
      player.emit("input");
      return true;
    }

    // The diagram for a window of this length: its steps' columns shown, the rest hidden; its width and arrows.
    layOut(window) {
      const length = window.inputs.length, svg = this.player.svg, width = this.widths[length - 1];
      for (const el of this.columns) {
        const t = Number(el.getAttribute("data-t")), shown = t < length;
        if (shown === el.hasAttribute("display")) {
          if (shown) el.removeAttribute("display");
          else el.setAttribute("display", "none");
        }
        if (el.getAttribute("data-ref") === "inputs") el.textContent = shown ? this.labels[window.inputs[t]] : "";
      }
      const d = this.paths.slice(0, this.paths.length / this.widths.length * length).join("");
      if (this.arrows.getAttribute("d") !== d) this.arrows.setAttribute("d", d);
      const box = svg.getAttribute("viewBox").split(" ");
      box[2] = width;
      svg.setAttribute("viewBox", box.join(" "));
      svg.setAttribute("width", width);
      svg.setAttribute("aria-label", svg.getAttribute("aria-label").replace(/over \d+ steps/, "over " + length + " steps"));
      const figure = this.player.figure;
      if (width === this.built.width) figure.setAttribute("style", this.built.style); // as the build wrote it
      else figure.style.setProperty("--w", width + "px");
      this.player.pins.remove(); // made again for this window's columns (and the figure's style was rewritten)
      this.player.fit();
    }

    // The table's rows for the window (figure.number_rows): one per step, numbers written by writeNumbers.
    rows(window) {
      const rows = this.player.numbers.querySelector("tbody").getElementsByTagName("tr");
      while (rows.length > window.inputs.length) {
        const row = rows[rows.length - 1];
        row.previousSibling.remove();
        row.remove();
      }
      while (rows.length < window.inputs.length) rows[rows.length - 1].after("\n", rows[rows.length - 1].cloneNode(true));
      Array.from(rows, (row, t) => {
        row.children[0].textContent = t;
        row.children[1].textContent = this.labels[window.inputs[t]];
        row.children[6].textContent = this.labels[window.targets[t]];
      });
    }
  }

  // What the build leaves out of a step because the page works it out exactly (figure.RECOMPUTED): xs, the one-hot
  // of the step's input, and target_probability, the target's row of probabilities.
  function restore(trace) {
    trace.steps.forEach((step, t) => {
      step.xs = trace.vocab.map((ignored, k) => +(k === trace.inputs[t]));
      step.target_probability = step.probabilities[trace.targets[t]];
    });
    return trace;
  }

  // A stage scrolled sideways keeps its row labels at its left edge, as a spreadsheet freezes its first column: each
  // band's name (text.rnn-band) and its rows' characters (text.rnn-vocab), copied onto a panel as tall as the
  // network, shown once the stage is scrolled so far that the panel covers where the labels were, and while a whole
  // step's column is still in view beside it (a diagram wider than its network, for its weights, scrolls on past
  // its last step). Made on the first such scroll, for the mode and window shown (a gradient's name, in
  // g.rnn-grads, on a tag of its own). Cells a step scrolls to keep clear of the panel (--pinned, its width).
  class Pins {
    constructor(figure, stage, svg) {
      Object.assign(this, { figure, stage, svg, el: null, from: Infinity, until: 0, shown: false });
    }

    // Pin the labels when the stage is scrolled past them.
    update() {
      if (!this.el && this.stage.scrollLeft > 0) this.make();
      const shown = this.stage.scrollLeft > this.from && this.stage.scrollLeft <= this.until;
      if (shown !== this.shown) this.el.classList.toggle("is-pinned", shown);
      this.shown = shown;
    }

    make() {
      const svg = this.svg, origin = svg.viewBox.baseVal, y = (e) => numberAttribute(e, "y") - origin.y;
      const wide = (e) => Math.ceil(e.textContent.length * 6.82); // 11-px monospace, as generously as the build
      const vocab = Array.from(svg.querySelectorAll(".rnn-vocab")), shows = this.figure.classList.contains("is-update");
      const bands = Array.from(svg.querySelectorAll(".rnn-band"), (label) => {
        const grad = !!label.closest(".rnn-grads"); // a gradient's name: on a tag of its own, in update mode
        const array = svg.querySelector('.rnn-array[data-ref="' + label.getAttribute("data-ref") + '"]');
        const box = grad || !array ? null : array.getBBox();
        const top = box ? Math.min(box.y - origin.y, y(label) - 13) : y(label) - 12;
        const bottom = box ? box.y - origin.y + box.height : y(label) + 4;
        return { label, grad, top, bottom, rows: vocab.filter((v) => top < y(v) && y(v) < bottom) };
      });
      const chars = Math.max(0, ...vocab.map(wide));
      const width = 12 + Math.max(...bands.map((b) => wide(b.label) + (b.rows.length ? 8 + chars : 0)));
      const ends = [...bands.filter((b) => shows || !b.grad).map((b) => b.label), ...vocab]
        .map((e) => numberAttribute(e, "x") - origin.x + (e.classList.contains("anchor-end") ? 0 : wide(e)));
      this.from = Math.max(0, Math.max(...ends) - width); // the panel then covers every label it copies
      const steps = Array.from(svg.querySelectorAll('.rnn-array[data-ref="loss"]'), (g) => g.getBBox())
        .filter((box) => box.width > 0); // the window's steps (those past it are not displayed)
      const last = steps[steps.length - 1];
      this.until = last ? last.x - origin.x - width : 0; // its last step's column still beside the panel
      const tag = (top, height) => '<rect class="rnn-pin" width="' + width + '" y="' + top + '" height="' + height + '"/>';
      const network = bands.filter((b) => !b.grad);
      const el = this.el = document.createElementNS(SVG, "svg"), bottom = Math.max(...bands.map((b) => b.bottom)) + 4;
      const panel = Math.max(...network.map((b) => b.bottom)) + 4; // its edge drawn too: dark themes lose the shadow
      el.innerHTML = tag(0, panel) + '<path class="rnn-pin-edge" d="M' + width + " 0V" + panel + '"/><g class="rnn-grads"></g>';
      const grads = el.lastChild;
      for (const band of bands) {
        if (band.grad) grads.insertAdjacentHTML("beforeend", tag(band.top - 3, 19));
        for (const label of [band.label, ...band.rows]) {
          const copy = label.cloneNode(true);
          copy.setAttribute("x", label === band.label ? 6 : width - 6);
          copy.setAttribute("y", y(label));
          (band.grad ? grads : el).append(copy);
        }
      }
      el.setAttribute("class", "rnn-pins");
      el.setAttribute("aria-hidden", "true");
      el.setAttribute("width", width + 1);
      el.setAttribute("height", bottom);
      this.stage.after(el);
      this.figure.style.setProperty("--pinned", width + "px");
    }

    remove() {
      if (this.el) this.el.remove();
      this.figure.style.removeProperty("--pinned");
      Object.assign(this, { el: null, from: Infinity, until: 0, shown: false });
    }
  }

  // One figure: its program, its diagram, its controls, and where the reader is in it. `new Player(figure)` is not
  // ready to play: read() reads what the build wrote, in steps.
  class Player {
    constructor(figure) {
      this.figure = figure;
      this.name = figure.getAttribute("data-rnn");
    }

    // What the build wrote, read once: a generator that yields between steps (the diagram's arrays, the program),
    // where set-up gives the page a turn (see slices).
    *read() {
      const figure = this.figure;
      const part = (selector) => {
        const found = figure.querySelector(selector);
        if (!found) throw new Error("the figure has no " + selector);
        return found;
      };
      this.trace = restore(JSON.parse(part('script[data-rnn-trace="' + CSS.escape(this.name) + '"]').textContent));
      yield;
      if (this.trace.name !== this.name) throw new Error("its trace is the trace of " + this.trace.name);
      this.stage = part(".rnn-stage");
      this.playButton = part(".rnn-play");
      this.scrub = part(".rnn-scrub");
      this.count = part(".rnn-count");
      this.say = part(".rnn-say");
      this.speed = part(".rnn-speed");
      this.more = part(".rnn-more");
      this.numbers = part(".rnn-numbers");
      this.svg = part(".rnn-diagram");
      this.pins = new Pins(figure, this.stage, this.svg);
      this.modeButtons = Array.from(figure.querySelectorAll(".rnn-modes button[data-mode]"));
      this.diagram = new Diagram(this.svg, this.trace);
      yield* this.diagram.adding(this.svg, this.trace);
      yield;
      const forward = Object.create(Program.prototype); // read in steps
      yield* forward.read(figure, "forward", this.diagram, null, this.trace);
      this.programs = new Map([["forward", forward]]);
      yield;
      if (!figure.hasAttribute("data-later")) this.addUpdate();
      yield;
      this.mode = figure.getAttribute("data-show") === "update" ? "update" : "forward";
      this.use(this.programs.get(this.mode));
      // What changes as the reader plays.
      this.step = this.steps - 1; // the build draws the last state
      this.timer = 0;
      this.following = 0; // the frame that brings the state's outline into view (follow)
      this.line = null;
      this.made = [];
      this.used = [];
      this.linked = null;
      this.named = new Map(); // ref -> every element of the figure with that data-ref, found on first hover
      this.tip = null;
      this.stops = new Set(); // the heat-mapped quantities with their Tab stop
      this.ring = null; // path.rnn-focus: the keyboard's tile in a heat map, made on first focus
      this.pointed = null; // {heat, tile}: the tile under the pointer, when it is over a heat map
      this.failed = false;
      this.waiting = null; // what waits for a big figure's training step to load (whenComplete)
      this.listeners = {
        click: this.guard(this.onClick), input: this.guard(this.onScrub), change: this.guard(this.onSpeed),
        keydown: this.guard(this.onKey), mouseover: this.guard(this.onPoint), focusin: this.guard(this.onPoint),
        mousemove: this.guard(this.onMove),
        mouseleave: this.guard(this.onLeave), focusout: this.guard(this.onLeave),
      };
      this.onTick = this.guard(this.tick);
      const player = this;
      this.api = Object.freeze({ // window.unrolled.figure(NAME)
        get trace() { return player.trace; },
        get step() { return player.step; },
        get steps() { return player.steps; },
        get mode() { return player.mode; },
        showMode(mode) {
          if (MODES.indexOf(mode) < 0) throw new TypeError('showMode takes "forward" or "update"');
          player.guard(() => player.showMode(mode))();
          return player.mode;
        },
        go(k) {
          if (typeof k !== "number" || !Number.isInteger(k)) throw new TypeError("go(k) takes a whole number");
          player.guard(() => { player.pause(); player.go(k); })();
          return player.step;
        },
        get input() { return player.input; },
        setInput(text) { // the reader's own sequence (null: the author's window): true, or why it cannot be shown
          if (text !== null && typeof text !== "string") throw new TypeError("setInput(text) takes a string or null");
          let result = true;
          player.guard(() => { result = player.setInput(text); })();
          return result;
        },
        complete() { // a promise of the training step and the replay, which the page loads when first asked
          const plotted = player.space ? player.space.drawn : null; // and of the plot's cloud, drawn just after start
          return Promise.all([new Promise((resolve) => player.whenComplete(resolve)), plotted]).then(() => undefined);
        },
        showUpdate(n) { // the network after n training updates (snapped to a checkpoint where the figure snaps)
          if (typeof n !== "number" || !Number.isInteger(n)) throw new TypeError("showUpdate(n) takes a whole number");
          if (!player.timeline) throw new Error("the figure " + player.name + " is not trained");
          player.guard(() => { player.timeline.pause(); player.timeline.show(n); })();
          return player.trace.training.shown_update;
        },
        tile(ref, t, i, j) { // what a heat map shows of ref[t][i, j] now: {value, tone, clipped}, or null (no such tile)
          const array = player.diagram.arrays.get(arrayKey(ref, t === undefined ? null : t));
          return array && array.heat ? array.heat.look(i, j === undefined ? null : j) : null;
        },
        continue(n) { // the n most likely characters after the figure's sequence, shown and returned
          if (!Number.isInteger(n)) throw new TypeError("continue(n) takes a whole number");
          return player.writer.write(n);
        },
        sample(n, options) { // n characters drawn from options.seed (1) at options.temperature (1)
          const { seed = 1, temperature = 1 } = options || {};
          if (!Number.isInteger(n) || seed >>> 0 !== seed || !(Number.isFinite(temperature) && temperature > 0)) {
            throw new TypeError("sample(n, {seed, temperature}): whole n, seed in [0, 2^32), temperature > 0");
          }
          return player.writer.write(n, { seed: seed, temperature: temperature });
        },
      });
      const timeline = figure.querySelector(".rnn-timeline");
      this.built = { trace: this.trace, table: this.numbers.querySelector("tbody").innerHTML,
        weights: this.numbers.querySelector(".rnn-weights").innerHTML, forward: this.programs.get("forward") };
      this.window = this.trace; // the shown window at the trained weights
      this.input = null; // the reader's own sequence, or null for the author's window
      this.entry = new InputBox(this, part(".rnn-entry"));
      this.timeline = timeline && this.trace.training.replay ? new Timeline(this, timeline) : null;
      this.writer = new Writer(this);
    }

    // The reader's own input (null: the author's window): true, or the message that says why it is refused.
    setInput(text) {
      return this.entry.show(text, "");
    }

    // The training step: its gradients, written at the end of the page (markdown_ext.moved_gradients), put back
    // into the diagram, and its program.
    addUpdate() {
      const gradients = document.querySelector(
        '.rnn-programs > svg[data-grads-for="' + CSS.escape(this.name) + '"] > .rnn-grads');
      if (gradients) {
        this.svg.appendChild(gradients);
        const heats = this.diagram.add(gradients, this.built ? this.built.trace : this.trace);
        if (this.tip) { // started: in reach of the keyboard as start() puts the rest
          for (const el of gradients.querySelectorAll(".rnn-cell")) el.setAttribute("tabindex", "-1");
          this.reach(heats);
        }
      }
      this.programs.set("update", new Program(this.figure, "update", this.diagram, this.programs.get("forward")));
    }

    // Run `then` once the figure has its training step and replay anchors: a big figure loads them the first time.
    whenComplete(then) {
      if (this.programs.has("update")) return this.guard(then)();
      if (!this.waiting) {
        this.waiting = [];
        later.set(this.name, this.guard((part) => {
          if (this.timeline) this.timeline.replay = Object.assign({}, this.timeline.replay, { anchors: part.anchors });
          this.addUpdate();
          for (const then of this.waiting) then();
        }));
        const script = document.createElement("script");
        script.src = new URL(encodeURIComponent(this.name) + ".step.js", traces).href;
        document.head.appendChild(script);
      }
      this.waiting.push(then);
    }

    // Show another trace of the same window (other weights): every cell, the numbers table and the sentences.
    // The build's own trace puts back exactly what the build wrote.
    load(trace) {
      const built = trace === this.built.trace; // the forward pass's cells are the replay's to change
      this.diagram.repick(trace);
      const replayed = Array.from(this.diagram.cells.values()).filter((cell) => cell.reload(trace, built));
      for (const state of this.states) state.sentence = built || !state.template ? state.built : fill(state.template, trace);
      if (built) {
        this.numbers.querySelector("tbody").innerHTML = this.built.table;
        this.numbers.querySelector(".rnn-weights").innerHTML = this.built.weights;
      } else writeNumbers(this.numbers, trace);
      this.trace = trace;
      for (const cell of replayed) cell.paint(this.step);
      this.showState(this.step);
      this.emit("update");
    }

    // Wire the figure up and show its state; destroy() undoes this.
    start() {
      this.tip = document.createElement("div");
      this.tip.className = "rnn-tip";
      this.tip.setAttribute("aria-hidden", "true");
      this.tip.hidden = true;
      this.figure.appendChild(this.tip);
      for (const type of Object.keys(this.listeners)) this.figure.addEventListener(type, this.listeners[type]);
      for (const el of this.focusable()) el.setAttribute("tabindex", "-1");
      this.reach(Array.from(this.diagram.cells.values()).filter((cell) => cell instanceof HeatMap));
      this.figure.classList.add("is-live");
      this.stage.setAttribute("role", "region"); // it scrolls sideways when the diagram is wider (see fit); kept
      this.stage.setAttribute("aria-label", "Diagram of " + this.name);
      this.stage.onscroll = () => this.fit();
      if (this.mode === "update") for (const cell of this.diagram.cells.values()) cell.paint(this.step); // new weights
      this.showState(this.step);
      this.emit("ready");
    }

    // Undo start(): no listeners, tooltip, controls or highlights (the cells keep the state they show).
    destroy() {
      if (this.timeline) this.timeline.destroy();
      if (this.space) this.space.destroy();
      this.stage.onscroll = null;
      this.pins.remove();
      clearTimeout(this.timer);
      this.timer = 0;
      cancelAnimationFrame(this.following);
      for (const type of Object.keys(this.listeners)) this.figure.removeEventListener(type, this.listeners[type]);
      this.link(null);
      if (this.tip) this.tip.remove();
      this.tip = null;
      this.made = moveClass("is-made", this.made, []);
      this.used = moveClass("is-used", this.used, []);
      if (this.line) this.line.removeAttribute("aria-current");
      this.line = null;
      for (const el of this.focusable()) el.removeAttribute("tabindex");
      if (this.ring) this.ring.remove();
      this.figure.classList.replace("is-live", "is-static");
      if (players.get(this.name) === this) players.delete(this.name);
      this.emit("destroy");
    }

    // A failure leaves this figure static and the others playing; it is reported once.
    fail(error) {
      if (this.failed) return;
      this.failed = true;
      console.error("unrolled: the figure " + this.name + " failed and is left without its player:", error);
      try { this.destroy(); } catch (ignored) { /* already reported */ }
    }

    // `handler` bound to this player, with any error it throws turned into fail().
    guard(handler) {
      return (event) => {
        if (this.failed) return;
        try { handler.call(this, event); } catch (error) { this.fail(error); }
      };
    }

    emit(what) {
      this.figure.dispatchEvent(new CustomEvent("unrolled:" + what, { bubbles: true, detail: { step: this.step } }));
    }

    focusable() {
      return this.figure.querySelectorAll(".rnn-diagram .rnn-cell, .rnn-diagram .rnn-heat, .rnn-code [data-ref]");
    }

    // Heat maps in reach of the keyboard: each by script, the first of each quantity by Tab as well.
    reach(heats) {
      for (const heat of heats) {
        heat.el.setAttribute("tabindex", "-1");
        if (this.stops.has(heat.ref)) continue;
        this.stops.add(heat.ref);
        heatStop(heat);
      }
    }

    // Play `program` from now on.
    use(program) {
      this.program = program;
      this.states = program.states;
      this.steps = program.states.length;
      this.lines = program.lines;
      this.changes = program.changes;
      this.outlines = program.outlines;
      for (const cell of this.diagram.cells.values()) {
        cell.changes = program.cellChanges.get(cell) || [];
        cell.given = program.given.has(cell.ref);
      }
    }

    // Switch program, showing its last state.
    showMode(mode, byReader) {
      if (mode === this.mode) return;
      if (!this.programs.has(mode)) { this.whenComplete(() => this.showMode(mode, byReader)); return; }
      if (mode === "update" && this.input !== null) this.entry.show(null, "The training step trains on the network's own window.");
      // The training step is the trained network's next update: bring the replay back to the trained network.
      if (mode === "update" && this.timeline && this.timeline.shown !== this.timeline.updates) {
        this.timeline.pause();
        this.timeline.show(this.timeline.updates);
      }
      this.pause();
      this.made = moveClass("is-made", this.made, []);
      this.used = moveClass("is-used", this.used, []);
      if (this.line) this.line.removeAttribute("aria-current");
      this.line = null;
      this.mode = mode;
      this.use(this.programs.get(mode));
      this.figure.classList.toggle("is-update", mode === "update");
      this.figure.setAttribute("data-show", mode);
      this.figure.setAttribute("data-steps", this.steps);
      for (const button of this.modeButtons) {
        button.setAttribute("aria-pressed", String(button.getAttribute("data-mode") === mode));
      }
      const heights = (this.svg.getAttribute("data-heights") || "").split(" ").map(Number);
      const height = heights[MODES.indexOf(mode)];
      if (height) {
        const box = this.svg.getAttribute("viewBox").split(" ");
        box[3] = height;
        this.svg.setAttribute("viewBox", box.join(" "));
        this.svg.setAttribute("height", height);
      }
      this.scrub.max = this.steps - 1;
      this.step = this.steps - 1;
      for (const cell of this.diagram.cells.values()) cell.paint(this.step);
      this.showState(this.step);
      this.pins.remove(); // made again for this mode's bands (a late training step brings its gradients' names)
      this.fit();
      if (byReader) address.follow(this);
      this.emit("mode");
    }

    // Show state k (clamped); a step by the reader also moves the address.
    go(k, byReader) {
      k = Math.max(0, Math.min(this.steps - 1, k));
      if (k === this.step) return;
      this.paintCells(this.step, k);
      this.step = k;
      this.showState(k);
      if (byReader) {
        address.follow(this);
        this.follow(this.outlines[k]);
      }
      this.emit("step");
    }

    // Repaint only the cells some state between the two changes.
    paintCells(from, to) {
      for (let k = Math.min(from, to) + 1; k <= Math.max(from, to); k++) {
        for (const cell of this.changes[k]) cell.paint(to);
      }
    }

    // Everything but the cells: outlines, the current line, the sentence and the controls.
    showState(k) {
      const state = this.states[k], outline = this.outlines[k];
      this.used = moveClass("is-used", this.used, outline.used);
      this.made = moveClass("is-made", this.made, outline.made);
      const line = this.lines.get(state.line);
      if (line !== this.line) {
        if (this.line) this.line.removeAttribute("aria-current");
        line.setAttribute("aria-current", "step");
        this.line = line;
        this.say.setAttribute("data-line", state.line);
      }
      if (this.say.textContent !== state.sentence) this.say.textContent = state.sentence;
      this.scrub.value = k;
      this.scrub.setAttribute("aria-valuetext", "Step " + (k + 1) + " of " + this.steps + ", line " + state.line);
      this.count.textContent = (k + 1) + " / " + this.steps;
      this.figure.setAttribute("data-step", k);
    }

    // Playback: one state every STEP_MS at 1x, from the start again when at the end.
    play() {
      if (this.step >= this.steps - 1) this.go(0, true);
      this.playButton.setAttribute("aria-label", "Pause");
      this.schedule();
    }

    pause() {
      clearTimeout(this.timer);
      this.timer = 0;
      if (this.playButton.getAttribute("aria-label") !== "Play") this.playButton.setAttribute("aria-label", "Play");
    }

    schedule() {
      clearTimeout(this.timer);
      this.timer = setTimeout(this.onTick, STEP_MS / Number(this.speed.value));
    }

    tick() {
      this.timer = 0;
      this.go(this.step + 1, true);
      if (this.step < this.steps - 1) this.schedule();
      else this.pause();
    }

    toggle() {
      if (this.timer) this.pause();
      else this.play();
    }

    stepBy(n) {
      this.pause();
      this.go(this.step + n, true);
    }

    // "All numbers": visually tucked away while the diagram plays, always there for screen readers.
    showNumbers(open) {
      this.numbers.classList.toggle("is-open", open);
      this.more.setAttribute("aria-pressed", String(open));
    }

    get numbersShown() {
      return this.numbers.classList.contains("is-open");
    }

    // Linking: hovering or focusing a name lights up that quantity everywhere in this figure (`tile`: the heat map's
    // tile the tooltip shows).
    link(el, tile) {
      const ref = el ? el.getAttribute("data-ref") : null;
      if (ref !== this.linked) {
        for (const e of this.elementsNamed(this.linked)) e.classList.remove("is-linked");
        for (const e of this.elementsNamed(ref)) e.classList.add("is-linked");
        this.linked = ref;
      }
      this.showTip(el, tile);
    }

    elementsNamed(ref) {
      if (ref === null) return [];
      if (!this.named.has(ref)) {
        this.named.set(ref, this.figure.querySelectorAll('[data-ref="' + CSS.escape(ref) + '"]'));
      }
      return this.named.get(ref);
    }

    // A cell (or a heat map's tile) with a value shows it in full above itself, kept inside the figure (so never
    // past the page).
    showTip(el, tile) {
      if (!this.tip) return;
      const cell = el ? this.diagram.cells.get(el) : null;
      const value = cell ? cell.value(tile) : null;
      this.tip.hidden = value === null;
      if (value === null) return;
      const shown = formatValue(cell.ref, Number(value)); // as everywhere, then the full value when it says more
      this.tip.textContent = cell.name(tile) + " = " + shown + (Number(shown) === Number(value) ? "" : " (" + value + ")");
      const box = cell.box(tile), frame = this.figure.getBoundingClientRect();
      const half = this.tip.offsetWidth / 2, centre = box.left + box.width / 2 - frame.left;
      this.tip.style.left = Math.max(half + 4, Math.min(frame.width - half - 4, centre)) + "px";
      this.tip.style.top = (box.top - frame.top) + "px";
    }

    // The diagram is drawn at 1:1 at least (never below its 11-px text): one wider than the stage scrolls in it.
    // Any overflow makes the stage focusable (a scrolling area must take the keyboard); until it is scrolled to
    // its end, the figure shows a "scroll →" hint (has-more); scrolled past its row labels, it pins them (Pins).
    // Run on load, resize and the stage's scroll.
    fit() {
      const stage = this.stage;
      if (stage.scrollWidth > stage.clientWidth) stage.setAttribute("tabindex", "0");
      else stage.removeAttribute("tabindex");
      this.figure.classList.toggle("has-more", stage.scrollLeft + stage.clientWidth < stage.scrollWidth - 1);
      this.pins.update();
    }

    // While the figure is on screen, a reader's step brings what the state makes (else what it uses) into view:
    // its first outlined array or cell, clear of the bar stuck at the foot of the screen (the cells' scroll margin).
    // In the next frame, before it is drawn: measuring at once would lay the page out twice per step.
    follow(outline) {
      cancelAnimationFrame(this.following);
      this.following = requestAnimationFrame(this.guard(() => {
        const el = outline.made[0] || outline.used[0], frame = this.figure.getBoundingClientRect();
        if (!el || frame.bottom < 0 || frame.top > innerHeight) return;
        el.scrollIntoView({ block: "nearest", inline: "nearest",
          behavior: matchMedia("(prefers-reduced-motion: reduce)").matches ? "auto" : "smooth" });
      }));
    }

    onClick(event) {
      const button = event.target.closest("button");
      if (!button || !this.figure.contains(button)) return;
      if (button === this.more) { this.showNumbers(!this.numbersShown); return; }
      if (this.modeButtons.indexOf(button) >= 0) { this.showMode(button.getAttribute("data-mode"), true); return; }
      const action = button.getAttribute("data-do");
      if (action === "restart") { this.pause(); this.go(0, true); }
      else if (action === "back") this.stepBy(-1);
      else if (action === "play") this.toggle();
      else if (action === "forward") this.stepBy(1);
      else if (action === "reset") this.entry.show(null, "", true);
    }

    onScrub(event) {
      if (event.target !== this.scrub) return;
      this.pause();
      this.go(Number(this.scrub.value), true);
    }

    onSpeed(event) {
      if (event.target === this.speed && this.timer) this.schedule();
    }

    // Keys anywhere in the figure but the slider and the select, which keep their own.
    onKey(event) {
      const tag = event.target.tagName, key = event.key;
      if (event.target === this.entry.box && key === "Enter") { this.entry.submit(); event.preventDefault(); return; }
      if (event.altKey || event.ctrlKey || event.metaKey || tag === "INPUT" || tag === "SELECT") return;
      if (heatMove(this, event)) return;
      if (event.target === this.stage && key.indexOf("Arrow") === 0) return; // arrows scroll a wide diagram
      if (key === "ArrowLeft") this.stepBy(-1);
      else if (key === "ArrowRight") this.stepBy(1);
      else if (key === "Home") { this.pause(); this.go(0, true); }
      else if (key === "End") { this.pause(); this.go(this.steps - 1, true); }
      else if ((key === " " || key === "Spacebar") && tag !== "BUTTON" && tag !== "A") this.toggle();
      else return;
      event.preventDefault();
    }

    onPoint(event) {
      const el = event.target.closest ? event.target.closest("[data-ref]") : null;
      const heat = el && this.diagram.cells.get(el);
      if (!(heat instanceof HeatMap)) {
        this.pointed = null;
        this.link(el && this.figure.contains(el) ? el : null);
      } else if (event.type !== "focusin") {
        this.pointed = { heat: heat, tile: heat.tileAt(event.clientX, event.clientY) };
        this.link(el, this.pointed.tile);
      } else {
        if (!el.matches(":focus-visible") && this.pointed && this.pointed.heat === heat) heat.at = this.pointed.tile; // clicked
        this.heatFocus(heat);
      }
    }

    // Over a heat map, the tooltip follows the pointer from tile to tile (mouseover fires on entering the map only).
    onMove(event) {
      if (this.pointed && event.target === this.pointed.heat.ground) this.onPoint(event);
    }

    // A focused heat map: its keyboard tile outlined (while the focus is visible), in the tooltip and its aria-label.
    heatFocus(heat) {
      if (!this.ring) {
        this.ring = document.createElementNS(SVG, "path");
        this.ring.setAttribute("class", "rnn-focus");
      }
      if (this.ring.parentNode !== heat.el) heat.el.appendChild(this.ring);
      this.ring.setAttribute("d", heat.tile(heat.at));
      this.link(heat.el, heat.at);
      heat.el.setAttribute("aria-label", this.tip.hidden ? heat.name(heat.at) : this.tip.textContent);
    }

    onLeave() {
      this.link(null);
    }
  }

  // The address follows the reader as #NAME:K (#NAME:u=N:K away from the trained network), rewritten at most
  // every ADDRESS_MS; the last step always lands.
  const address = {
    pending: null,
    timer: 0,
    written: 0,

    follow(player) {
      this.pending = player;
      if (!this.timer) this.timer = setTimeout(() => this.write(), Math.max(0, this.written + ADDRESS_MS - Date.now()));
    },

    write() {
      const player = this.pending;
      this.timer = 0;
      this.written = Date.now();
      this.pending = null;
      try {
        const mode = player.mode === "update" ? ":update" : "";
        const update = player.timeline && player.timeline.shown !== player.timeline.updates
          ? ":u=" + player.timeline.shown : "";
        const input = player.input === null ? "" : ":in=" + encodeURIComponent(player.input);
        history.replaceState(history.state, "", "#" + player.name + mode + update + input + ":" + player.step);
      } catch (e) { /* some browsers refuse it on file:// */ }
    },

    // #NAME:K opens that figure at state K of the program it shows, #NAME:forward:K and #NAME:update:K at
    // state K of that program, #NAME:u=N:K at state K after N training updates, and :in=TEXT (percent-encoded)
    // before :K on the reader's own input; each scrolls to it (`scroll`). Returns a promise of that state shown (a big
    // figure may load its training step first).
    open(scroll) {
      const match = this.match(), player = match && players.get(match[1]);
      if (!player) return Promise.resolve();
      const shown = new Promise((resolve) => player.whenComplete(() => {
        try {
          if (match[2]) player.showMode(match[2]);
          if (player.timeline) player.timeline.show(match[3] === undefined ? player.timeline.updates : Number(match[3]));
          let input = null;
          try { input = match[4] === undefined ? null : decodeURIComponent(match[4]); } catch (e) { /* not an input */ }
          if (input !== player.input) player.entry.show(input, "");
          player.go(Number(match[5]));
        } finally {
          resolve();
        }
      }));
      if (scroll) player.figure.scrollIntoView();
      return shown;
    },

    match() {
      return /^#([A-Za-z0-9_-]+)(?::(forward|update))?(?::u=(\d+))?(?::in=([^:]*))?:(\d+)$/.exec(location.hash);
    },
  };

  // Set a figure up: read what the build wrote, start, draw the plot. A generator: it yields between steps.
  function* setUp(figure) {
    const player = new Player(figure);
    let read = false;
    try {
      yield* player.read();
      read = true;
      players.set(player.name, player);
      player.start();
      yield;
      const space = figure.querySelector(".rnn-space");
      if (space) player.guard(() => { player.space = new StatePlot(player, space); })();
    } catch (error) {
      if (read) player.fail(error);
      else {
        figure.classList.replace("is-live", "is-static");
        console.error("unrolled: the figure " + player.name + " could not start and shows what the build drew:", error);
      }
    }
    const plot = player.space ? null : figure.querySelector(".rnn-space > .rnn-plot");
    if (plot) plot.remove(); // laid for a player that did not start
  }

  function* setUpAll(figures) {
    for (const figure of figures) yield* setUp(figure);
  }

  // Run a generator's steps in tasks of about SLICE_MS each (a step is never cut), then `then`: no task of the
  // set-up keeps the page from answering the reader for long.
  const SLICE_MS = 4;
  function slices(steps, then) {
    const run = () => {
      const until = performance.now() + SLICE_MS;
      let step = steps.next();
      while (!step.done && performance.now() < until) step = steps.next();
      if (step.done) then();
      else setTimeout(run, 0);
    };
    run();
  }

  function fitAll() {
    for (const player of players.values()) player.fit();
  }

  // Print the trained network's finished pass with every number; put the reader back afterwards.
  let printing = [];
  addEventListener("beforeprint", () => {
    printing = Array.from(players.values(), (player) => {
      const timeline = player.timeline;
      const was = { player: player, step: player.step, numbers: player.numbersShown,
        update: timeline ? timeline.shown : null };
      player.guard(() => {
        player.pause();
        if (timeline) { timeline.pause(); timeline.show(timeline.updates); }
        player.go(player.steps - 1);
        player.showNumbers(true);
      })();
      return was;
    });
  });
  addEventListener("afterprint", () => {
    for (const was of printing) {
      was.player.guard(() => {
        if (was.update !== null) was.player.timeline.show(was.update);
        was.player.go(was.step);
        was.player.showNumbers(was.numbers);
      })();
    }
    printing = [];
  });

  // A big figure's training step, loaded when the reader first asks for it (Player.whenComplete): traces/NAME.step.js,
  // beside the trace, hands over its states and gradients, to sit at the end of the page, and the replay's anchors.
  const traces = new URL("../traces/", document.currentScript.src), later = new Map(); // name -> what takes them
  api.later = (name, part) => {
    document.body.insertAdjacentHTML("beforeend", '<div class="rnn-programs" hidden>' + part.html + "</div>");
    later.get(name)(part);
  };

  // The page API, for tests and curious readers: the live state of the figure NAME, or null.
  window.unrolled.figure = (name) => (players.has(name) ? players.get(name).api : null);

  // The page loads this script after its load event (base.html), already laid out as the figures will play (their
  // controls, the writer's and the plot's room: the stylesheet's .rnn-js rules); the figures are set up in tasks of
  // their own (slices): `unrolled.ready` settles once every figure has started (or failed to) and the one the
  // address names shows its state.
  const figures = Array.from(document.querySelectorAll("figure.rnn-figure[data-rnn]"));
  for (const figure of figures) figure.classList.add("is-live");
  api.ready = new Promise((resolve) => {
    const start = () => slices(setUpAll(figures), () => {
      requestAnimationFrame(fitAll); // after the layout, not one forced layout per figure
      address.open(false).then(resolve);
    });
    if (document.hidden) setTimeout(start, 0); // no frame is painted while the page is hidden
    else requestAnimationFrame(() => setTimeout(start, 0)); // the task after the first frame's
  });
  addEventListener("hashchange", () => address.open(true));
  addEventListener("resize", () => requestAnimationFrame(fitAll));
})();
