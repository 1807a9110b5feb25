/* The book's explorable figures: step size, softmax, weight scale and the trainer.
 *
 * A page includes this script after a widget's markup (a raw HTML block); the script finds the
 * widgets on the page by id and reads their data from widgets/*.json beside it (_static/),
 * files that the page's own code wrote at build time. Plain JavaScript, no library.
 *
 * Each widget replaces a static picture that the page draws with matplotlib (the cell tagged
 * widget-static just before it): without JavaScript, or where the widget cannot run, the
 * picture stays and the widget says why; in print, tools/print/print.js keeps the picture.
 *
 * Test API: window.nnWidgets = {stepSize, softmax, scale, trainer}, each with ready (a
 * Promise) and what the tests read or set.
 */
(function () {
  "use strict";

  if (window.nnWidgets) return;
  const widgets = (window.nnWidgets = {});
  const SCRIPT_URL = (document.currentScript && document.currentScript.src) || document.baseURI;
  const url = (name) => new URL(name, SCRIPT_URL).href;

  // ---------------------------------------------------------------- shared helpers

  async function fetchJSON(name) {
    const response = await fetch(url(name));
    if (!response.ok) throw new Error(`${name}: HTTP ${response.status}`);
    return response.json();
  }

  const dark = () => document.documentElement.dataset.theme === "dark";
  function palette() {
    return dark()
      ? { text: "#ced6dd", faint: "#9aa5ad", grid: "#3a4046", curve: "#9fb4c4", blue: "#6cb4ee",
          orange: "#ffa64d", green: "#5ed18b", red: "#ff7a7a", shade: "rgba(255,122,122,0.16)" }
      : { text: "#222", faint: "#666", grid: "#e2e2e2", curve: "#555", blue: "#1f77b4",
          orange: "#e8710a", green: "#2ca02c", red: "#d62728", shade: "rgba(214,39,40,0.10)" };
  }

  // A canvas drawn at the screen's resolution; returns its 2-D context in CSS pixels.
  function context(canvas) {
    const ratio = window.devicePixelRatio || 1;
    const width = canvas.clientWidth || Number(canvas.getAttribute("width"));
    const height = canvas.clientHeight || Number(canvas.getAttribute("height"));
    if (canvas.width !== Math.round(width * ratio)) canvas.width = Math.round(width * ratio);
    if (canvas.height !== Math.round(height * ratio)) canvas.height = Math.round(height * ratio);
    const ctx = canvas.getContext("2d");
    ctx.setTransform(ratio, 0, 0, ratio, 0, 0);
    ctx.clearRect(0, 0, width, height);
    ctx.font = "12px system-ui, sans-serif";
    return { ctx, width, height };
  }

  function ticks(lo, hi, count = 5) {
    const span = hi - lo || 1;
    const raw = span / count, power = 10 ** Math.floor(Math.log10(raw));
    const step = [1, 2, 2.5, 5, 10].map((m) => m * power).find((s) => span / s <= count);
    const out = [];
    for (let t = Math.ceil(lo / step) * step; t <= hi + step * 1e-9; t += step) {
      out.push(Math.abs(t) < step * 1e-9 ? 0 : t);
    }
    return out;
  }

  const format = (v) => (Math.abs(v) >= 1000 || (Math.abs(v) < 0.01 && v !== 0)
    ? v.toExponential(0) : String(Math.round(v * 100) / 100));

  // Axes in a canvas: returns the maps from data to pixels. log: a logarithmic y axis.
  function axes(canvas, { x: [x0, x1], y: [y0, y1], xlabel, ylabel, log = false, xticks = null }) {
    const { ctx, width, height } = context(canvas);
    const c = palette();
    const box = { left: 46, right: width - 10, top: 10, bottom: height - 34 };
    const fy = log ? Math.log10 : (v) => v;
    const X = (x) => box.left + ((x - x0) / (x1 - x0)) * (box.right - box.left);
    const Y = (y) => box.bottom - ((fy(y) - fy(y0)) / (fy(y1) - fy(y0))) * (box.bottom - box.top);
    ctx.strokeStyle = c.grid;
    ctx.fillStyle = c.faint;
    ctx.lineWidth = 1;
    ctx.textAlign = "center";
    ctx.textBaseline = "top";
    for (const t of xticks || ticks(x0, x1)) {
      ctx.beginPath(); ctx.moveTo(X(t), box.top); ctx.lineTo(X(t), box.bottom); ctx.stroke();
      ctx.fillText(format(t), X(t), box.bottom + 4);
    }
    ctx.textAlign = "right";
    ctx.textBaseline = "middle";
    let yticks = ticks(y0, y1);
    if (log) {  // whole powers of ten, at most six of them
      const lo = Math.ceil(Math.log10(y0)), hi = Math.floor(Math.log10(y1));
      const every = Math.max(1, Math.ceil((hi - lo) / 5));
      yticks = [];
      for (let p = hi; p >= lo; p -= every) yticks.push(10 ** p);
    }
    for (const t of yticks) {
      ctx.beginPath(); ctx.moveTo(box.left, Y(t)); ctx.lineTo(box.right, Y(t)); ctx.stroke();
      ctx.fillText(format(t), box.left - 4, Y(t));
    }
    ctx.fillStyle = c.text;
    ctx.textAlign = "center";
    ctx.textBaseline = "bottom";
    ctx.fillText(xlabel, (box.left + box.right) / 2, height - 2);
    ctx.save();
    ctx.translate(11, (box.top + box.bottom) / 2);
    ctx.rotate(-Math.PI / 2);
    ctx.textBaseline = "middle";
    ctx.fillText(ylabel, 0, 0);
    ctx.restore();
    ctx.save();
    ctx.beginPath();
    ctx.rect(box.left, box.top, box.right - box.left, box.bottom - box.top);
    ctx.clip();  // curves stay inside the axes; call done() to end the clipping
    return { ctx, X, Y, box, c, done: () => ctx.restore() };
  }

  function line(ctx, points, color, width = 2) {
    ctx.strokeStyle = color;
    ctx.lineWidth = width;
    ctx.beginPath();
    points.forEach(([x, y], i) => (i ? ctx.lineTo(x, y) : ctx.moveTo(x, y)));
    ctx.stroke();
  }

  // A slider on a logarithmic scale from min to max, 300 positions per decade: the value at
  // position k is 10^(log10(min) + k / 300), so powers of ten (1, 0.1) are exact positions.
  function logSlider(input, min, max) {
    const lo = Math.log10(min), PER_DECADE = 300;
    input.min = 0;
    input.max = Math.round(PER_DECADE * (Math.log10(max) - lo));
    input.step = 1;
    const toValue = (position) => 10 ** (lo + position / PER_DECADE);
    const toPosition = (value) => Math.round(PER_DECADE * (Math.log10(value) - lo));
    return { get: () => toValue(Number(input.value)), set: (v) => { input.value = toPosition(v); } };
  }

  // The picture that stands in for a widget (the page's cell tagged widget-static).
  function staticPicture(root) {
    let node = root.previousElementSibling;
    while (node && !node.classList.contains("tag_widget-static")) node = node.previousElementSibling;
    return node;
  }

  // Show the live widget in place of its picture, or keep the picture and say why not.
  async function start(root, setUp) {
    const picture = staticPicture(root);
    const status = root.querySelector(".nn-status");
    try {
      const api = await setUp(root);
      root.hidden = false;
      if (picture) picture.classList.add("nn-replaced");
      new MutationObserver(() => api.draw()).observe(document.documentElement,
        { attributes: true, attributeFilter: ["data-theme"] });
      window.addEventListener("resize", () => api.draw());
      return api;
    } catch (error) {
      root.hidden = false;
      root.classList.add("nn-failed");
      if (status) {
        status.textContent = `This figure cannot run here (${error.message}); the picture above `
          + "shows it at its default settings.";
      }
      throw error;
    }
  }

  function register(id, setUp) {
    const root = document.getElementById(id);
    if (!root) return null;
    const api = { ready: start(root, setUp) };
    api.ready.then((ready) => Object.assign(api, ready), () => {});
    return api;
  }

  // ---------------------------------------------------------------- 1. step size

  // How networks learn: gradient descent on L(w) = mean((w x - y)^2), y = 3 x, from w = 0.5.
  async function stepSize(root) {
    const data = await fetchJSON("widgets/step_size.json");
    const x = Float64Array.from(data.x), y = Float64Array.from(data.y), N = x.length;
    const lossAt = (w) => x.reduce((sum, xi, i) => sum + (w * xi - y[i]) ** 2, 0) / N;
    const input = root.querySelector("input[name=lr]");
    const output = root.querySelector("output");
    const [plotLoss, plotDistance] = root.querySelectorAll("canvas");
    const status = root.querySelector(".nn-status");
    input.min = 0.01;
    input.max = data.lr_max;
    input.step = 0.01;
    input.value = data.lr;
    // the marks under the slider: no overshoot up to 1 / L'', divergence from 2 / L''
    root.querySelectorAll(".nn-mark").forEach((mark) => {
      const at = mark.dataset.at === "limit" ? data.limit : data.limit / 2;
      const share = (at - input.min) / (input.max - input.min);
      mark.style.left = `calc(${100 * share}% + ${8 - 16 * share}px)`;  // the thumb's travel
      mark.querySelector("span").textContent = format(at);
    });

    function descend(lr) {  // the page's loop: forward, loss, backward, update
      let w = data.w0;
      const path = [];
      for (let step = 0; step <= data.steps; step++) {
        path.push([w, lossAt(w)]);
        if (step === data.steps) break;
        let dw = 0;
        for (let i = 0; i < N; i++) dw += (2 * (w * x[i] - y[i]) * x[i]) / N;  // dL/dw
        w = w - lr * dw;
      }
      return path;
    }

    const api = {
      descend,
      lr: () => Number(input.value),
      set(lr) { input.value = lr; api.draw(); },
      draw() {
        const lr = Number(input.value);
        const path = descend(lr);
        const factor = 1 - lr * data.d2L;
        const wEnd = path[path.length - 1][0];
        output.textContent = lr.toFixed(2);
        input.setAttribute("aria-valuetext", `learning rate ${lr.toFixed(2)}`);

        let a = axes(plotLoss, { x: [-1, 7], y: [0, 1.1 * lossAt(-1)], xlabel: "w",
          ylabel: "loss L(w)" });
        const curve = [];
        for (let w = -1; w <= 7.001; w += 0.05) curve.push([a.X(w), a.Y(lossAt(w))]);
        line(a.ctx, curve, a.c.curve);
        line(a.ctx, path.slice(0, 9).map(([w, L]) => [a.X(w), a.Y(L)]), a.c.orange, 1.5);
        a.ctx.fillStyle = a.c.orange;
        for (const [w, L] of path.slice(0, 9)) {
          a.ctx.beginPath(); a.ctx.arc(a.X(w), a.Y(L), 3.5, 0, 2 * Math.PI); a.ctx.fill();
        }
        a.done();

        const distances = path.map(([w]) => Math.max(Math.abs(w - 3), 1e-12));
        const top = Math.max(10, ...distances.filter(Number.isFinite));
        a = axes(plotDistance, { x: [0, data.steps], y: [1e-8, 10 ** Math.ceil(Math.log10(top))],
          xlabel: "step", ylabel: "|w − 3|", log: true });
        line(a.ctx, distances.map((d, k) => [a.X(k), a.Y(d)]), a.c.blue);
        a.done();

        let verdict;
        if (factor > 0 && factor < 1) verdict = "w approaches 3 from one side, without overshooting";
        else if (factor === 0) verdict = "w lands on 3 in one step";
        else if (factor > -1) verdict = "every step overshoots the minimum, by less each time: "
          + "w oscillates around 3 and converges";
        else if (factor === -1) verdict = "every step jumps to the same distance on the other side";
        else verdict = "every step overshoots by more than it corrects: w runs away";
        const wText = Math.abs(wEnd) < 1e4 ? wEnd.toFixed(4) : wEnd.toExponential(2);
        status.textContent = `Learning rate ${lr.toFixed(2)}: every step multiplies the distance `
          + `to the minimum by 1 − η L'' = ${factor.toFixed(2)}; ${verdict}. After `
          + `${data.steps} steps w = ${wText}.`;
        plotLoss.setAttribute("aria-label", `The loss curve of w with the first eight steps of `
          + `gradient descent at learning rate ${lr.toFixed(2)}: ${verdict}.`);
        plotDistance.setAttribute("aria-label", `The distance of w from 3 at each of the `
          + `${data.steps} steps, on a logarithmic scale; after the last step it is `
          + `${format(Math.abs(wEnd - 3))}.`);
        root.dataset.factor = factor;
        root.dataset.wEnd = wEnd;
      },
    };
    input.addEventListener("input", () => api.draw());
    api.draw();
    return api;
  }

  // ---------------------------------------------------------------- 2. softmax

  // Activation functions: ten logits, a temperature, the probabilities and the loss.
  async function softmax(root) {
    const data = await fetchJSON("widgets/softmax.json");
    const sliders = Array.from(root.querySelectorAll("input[name=logit]"));
    const temperatureInput = root.querySelector("input[name=temperature]");
    const temperature = logSlider(temperatureInput, 0.1, 10);
    const correct = root.querySelector("select[name=correct]");
    const bars = root.querySelector("canvas");
    const status = root.querySelector(".nn-status");
    const outputs = root.querySelectorAll("output");

    const clip = (logits) => logits.map((v) => Math.max(-20, Math.min(20, v)));  // the sliders

    function probabilities(logits, T) {  // softmax(z / T), the largest logit subtracted first
      const z = logits.map((v) => v / T);
      const max = Math.max(...z);
      const counts = z.map((v) => Math.exp(v - max));
      const sum = counts.reduce((a, b) => a + b);
      return counts.map((v) => v / sum);
    }

    const api = {
      probabilities,
      logits: () => sliders.map((s) => Number(s.value)),
      temperature: () => temperature.get(),
      set(logits, T = 1, label = Number(correct.value)) {
        sliders.forEach((s, k) => { s.value = logits[k]; });
        temperature.set(T);
        correct.value = label;
        api.draw();
      },
      draw() {
        const logits = api.logits(), T = temperature.get(), label = Number(correct.value);
        const probs = probabilities(logits, T);
        const loss = -Math.log(probs[label]);
        sliders.forEach((s, k) => {
          outputs[k].textContent = Number(s.value).toFixed(1);
          s.setAttribute("aria-valuetext", `logit of ${k}: ${Number(s.value).toFixed(1)}, `
            + `probability ${(100 * probs[k]).toFixed(1)}%`);
        });
        outputs[10].textContent = T.toFixed(2);
        temperatureInput.setAttribute("aria-valuetext", `temperature ${T.toFixed(2)}`);

        const a = axes(bars, { x: [-0.6, 9.6], y: [0, 1], xlabel: "digit",
          ylabel: "probability", xticks: [0, 1, 2, 3, 4, 5, 6, 7, 8, 9] });
        probs.forEach((p, k) => {
          a.ctx.fillStyle = k === label ? a.c.green : a.c.blue;
          a.ctx.fillRect(a.X(k - 0.35), a.Y(p), a.X(k + 0.35) - a.X(k - 0.35), a.Y(0) - a.Y(p));
        });
        a.done();
        a.ctx.fillStyle = a.c.text;
        a.ctx.textAlign = "center";
        a.ctx.textBaseline = "bottom";
        probs.forEach((p, k) => {  // no clutter of 0% labels
          if (p >= 0.005) a.ctx.fillText(`${Math.round(100 * p)}%`, a.X(k), Math.max(a.Y(p) - 2, 22));
        });
        const best = probs.indexOf(Math.max(...probs));
        const p = probs[label];
        const shown = p < 1e-4 ? p.toExponential(1) : `${(100 * p).toFixed(2)}%`;
        status.textContent = `The correct digit ${label} gets probability ${shown}, so its `
          + `loss −log p is ${loss.toFixed(3)} `
          + `(log 10 = ${Math.log(10).toFixed(3)} for a uniform guess). The most probable digit `
          + `is ${best}, with ${(100 * probs[best]).toFixed(2)}%.`;
        bars.setAttribute("aria-label", "Probabilities: " + probs.map((p, k) =>
          `${k}: ${(100 * p).toFixed(1)}%`).join(", "));
        root.dataset.loss = loss;
      },
    };
    root.querySelectorAll("button[data-preset]").forEach((button) => {
      button.addEventListener("click", () => {
        const preset = button.dataset.preset;
        if (preset === "network") api.set(clip(data.logits), 1, data.label);
        else if (preset === "zeros") api.set(new Array(10).fill(0), 1);
        else if (preset === "plus") api.set(api.logits().map((v) => Math.min(20, v + 2)),
          temperature.get());
      });
    });
    [...sliders, temperatureInput, correct].forEach((el) =>
      el.addEventListener("input", () => api.draw()));
    api.set(clip(data.logits), 1, data.label);
    return api;
  }

  // ---------------------------------------------------------------- 3. weight scale

  // Fixing the initialization: the first layers of the untrained network on real images.
  async function scale(root) {
    const data = await fetchJSON("widgets/scale.json");
    const n = data.n, H = 100;
    const mlp = window.nnMLP;
    const X = Float32Array.from(mlp.decodeBase64(data.images), (v) => v / 255);  // (n, 784)
    const labels = Uint8Array.from(data.labels);
    const draws = data.draws.map(mlp.decodeFloat32);  // N(0, 1) draws of W1, W2, W3
    const kindInputs = Array.from(root.querySelectorAll("input[name=start]"));
    const factorInput = root.querySelector("input[name=factor]");
    const factor = logSlider(factorInput, 0.01, 10);
    const output = root.querySelector("output");
    const [canvas1, canvas2] = root.querySelectorAll("canvas");
    const status = root.querySelector(".nn-status");
    const zeros = (k) => new Float64Array(k);
    const SATURATED = 0.99, CUT = Math.atanh(SATURATED);

    function weights(kind, c) {  // [W1, b1, W2, b2, W3, b3]: the draws times each layer's scale
      const scales = kind === "draft" ? [1, 1, 1]
        : [data.gain / Math.sqrt(784), data.gain / Math.sqrt(H), data.output_scale / Math.sqrt(H)];
      return [draws[0].map((v) => c * scales[0] * v), zeros(H),
        draws[1].map((v) => c * scales[1] * v), zeros(H),
        draws[2].map((v) => c * scales[2] * v), zeros(10)];
    }

    function measure(kind, c) {
      const parameters = weights(kind, c);
      const { h1_pre: pre1, h1, h2_pre: pre2, h2, logits } = mlp.forward(X, n, parameters);
      const share = (h) => h.reduce((s, v) => s + (Math.abs(v) > SATURATED), 0) / h.length;
      const loss = mlp.nll(logits, labels, n, 10).reduce((a, b) => a + b) / n;
      return { h1, h2, pre1, pre2, loss, saturated1: share(h1), saturated2: share(h2) };
    }

    function histogram(values, lo, hi, bins) {
      const counts = new Float64Array(bins);
      for (const v of values) {
        const k = Math.floor(((Math.max(lo, Math.min(hi, v)) - lo) / (hi - lo)) * bins);
        counts[Math.min(bins - 1, k)] += 1;
      }
      return counts.map((count) => count / values.length);
    }

    function drawLayer(canvas, pre, h, layer, preLimit) {
      const { ctx, width, height } = context(canvas);
      const c = palette();
      const half = width / 2;
      const panels = [
        { values: pre, lo: -preLimit, hi: preLimit, cut: CUT, label: `h${layer}_pre` },
        { values: h, lo: -1, hi: 1, cut: SATURATED, label: `h${layer} = tanh(h${layer}_pre)` },
      ];
      panels.forEach((panel, p) => {
        const left = p * half + 14, right = (p + 1) * half - 14, top = 8, bottom = height - 34;
        const counts = histogram(panel.values, panel.lo, panel.hi, 40);
        const peak = Math.max(...counts);
        const X = (v) => left + ((v - panel.lo) / (panel.hi - panel.lo)) * (right - left);
        ctx.fillStyle = c.shade;  // where tanh is saturated
        if (panel.cut < panel.hi) {
          ctx.fillRect(left, top, X(-panel.cut) - left, bottom - top);
          ctx.fillRect(X(panel.cut), top, right - X(panel.cut), bottom - top);
        }
        ctx.fillStyle = c.blue;
        const w = (right - left) / counts.length;
        counts.forEach((count, k) => {
          const barHeight = (count / peak) * (bottom - top);
          ctx.fillRect(left + k * w, bottom - barHeight, Math.max(1, w - 1), barHeight);
        });
        ctx.strokeStyle = c.grid;
        ctx.beginPath(); ctx.moveTo(left, bottom); ctx.lineTo(right, bottom); ctx.stroke();
        ctx.fillStyle = c.faint;
        ctx.textAlign = "center";
        ctx.textBaseline = "top";
        for (const t of [panel.lo, 0, panel.hi]) ctx.fillText(format(t), X(t), bottom + 2);
        ctx.fillStyle = c.text;
        ctx.textBaseline = "bottom";
        ctx.fillText(panel.label, (left + right) / 2, height - 1);
      });
    }

    let lastMeasured = null;
    const api = {
      measure,
      last: () => lastMeasured,  // what the figure shows now
      kind: () => kindInputs.find((input) => input.checked).value,
      factor: () => factor.get(),
      set(kind, c) {
        kindInputs.forEach((input) => { input.checked = input.value === kind; });
        factor.set(c);
        api.draw();
      },
      draw() {
        const kind = api.kind(), c = factor.get();
        const m = measure(kind, c);
        lastMeasured = m;
        output.textContent = `× ${c < 0.1 ? c.toFixed(3) : c.toFixed(2)}`;
        factorInput.setAttribute("aria-valuetext", `every weight times ${c.toFixed(3)}`);
        const finite = (values) => values.filter(Number.isFinite).map(Math.abs);
        const spread = Math.max(3, ...finite(m.pre1).slice(0, 5000), ...finite(m.pre2).slice(0, 5000));
        const limit = [3, 5, 10, 20, 50, 100, 200].find((v) => v >= spread * 0.7) || 200;
        drawLayer(canvas1, m.pre1, m.h1, 1, limit);
        drawLayer(canvas2, m.pre2, m.h2, 2, limit);
        const start = kind === "draft" ? "The draft's N(0, 1) weights" : "The book's scaled weights";
        const percent = (v) => `${(100 * v).toFixed(1)}%`;
        status.textContent = `${start} × ${c.toFixed(3)}: saturated (|h| > 0.99) `
          + `${percent(m.saturated1)} of layer 1 and ${percent(m.saturated2)} of layer 2; `
          + `initial loss ${m.loss.toFixed(2)}, next to log 10 = ${Math.log(10).toFixed(2)}.`;
        canvas1.setAttribute("aria-label", `Histograms of the first hidden layer before and `
          + `after tanh: ${percent(m.saturated1)} of the values are saturated.`);
        canvas2.setAttribute("aria-label", `Histograms of the second hidden layer before and `
          + `after tanh: ${percent(m.saturated2)} of the values are saturated.`);
        root.dataset.loss = m.loss;
      },
    };
    [...kindInputs, factorInput].forEach((el) => el.addEventListener("input", () => api.draw()));
    api.set("draft", 1);
    return api;
  }

  // ---------------------------------------------------------------- 4. the trainer

  // Minibatch SGD: the book's network trained in a Web Worker, on 10,000 MNIST images.
  async function trainer(root) {
    if (typeof Worker === "undefined") throw new Error("this browser has no Web Workers");
    const data = await fetchJSON("widgets/trainer.json");
    const $ = (selector) => root.querySelector(selector);
    const lrInput = $("input[name=lr]"), lr = logSlider(lrInput, 0.001, 3);
    const momentumInput = $("input[name=momentum]");
    const batchInput = $("select[name=batch]"), initInput = $("select[name=init]");
    const seedInput = $("input[name=seed]");
    const runButton = $("button[name=run]"), resetButton = $("button[name=reset]");
    const useButton = $("button[name=use]");
    const [lossCanvas, accuracyCanvas, saturationCanvas] = root.querySelectorAll("canvas");
    const status = $(".nn-status");
    const outputs = root.querySelectorAll("output");
    const worker = new Worker(url("train_worker.js"));
    let history = [], running = false, loaded = null, waiting = [];
    let run = 0;  // the number of the current run: progress of an earlier one is ignored

    const settings = () => ({
      init: initInput.value, seed: Number(seedInput.value) || 0, lr: lr.get(),
      momentum: Number(momentumInput.value), batchSize: Number(batchInput.value),
    });
    function showSettings() {
      const s = settings();
      outputs[0].textContent = s.lr < 0.01 ? s.lr.toFixed(4) : s.lr.toFixed(3);
      outputs[1].textContent = s.momentum.toFixed(2);
      lrInput.setAttribute("aria-valuetext", `learning rate ${outputs[0].textContent}`);
      momentumInput.setAttribute("aria-valuetext", `momentum ${outputs[1].textContent}`);
    }

    function say(text) { status.textContent = text; }
    function last() { return history[history.length - 1]; }

    function draw() {
      const epochs = Math.max(data.epochs, Math.ceil(last() ? last().epoch : 0));
      const points = (key, scaleBy = 1) => history.filter((h) => h[key] !== null
        && Number.isFinite(h[key])).map((h) => [h.epoch, scaleBy * h[key]]);
      const trainPoints = points("trainLoss"), valPoints = points("valLoss");
      const top = Math.min(20, Math.max(2.5, ...valPoints.map(([, v]) => v).slice(0, 1)));
      let a = axes(lossCanvas, { x: [0, epochs], y: [0, top], xlabel: "epoch", ylabel: "loss" });
      line(a.ctx, trainPoints.map(([e, v]) => [a.X(e), a.Y(v)]), a.c.blue);
      line(a.ctx, valPoints.map(([e, v]) => [a.X(e), a.Y(v)]), a.c.orange);
      a.done();
      a = axes(accuracyCanvas, { x: [0, epochs], y: [0, 100], xlabel: "epoch",
        ylabel: "validation accuracy %" });
      line(a.ctx, points("valAccuracy", 100).map(([e, v]) => [a.X(e), a.Y(v)]), a.c.green);
      a.done();
      a = axes(saturationCanvas, { x: [0, epochs], y: [0, 100], xlabel: "epoch",
        ylabel: "saturated %" });
      line(a.ctx, points("saturated1", 100).map(([e, v]) => [a.X(e), a.Y(v)]), a.c.red);
      line(a.ctx, points("saturated2", 100).map(([e, v]) => [a.X(e), a.Y(v)]), a.c.curve);
      a.done();
      const h = last();
      if (!h) return;
      lossCanvas.setAttribute("aria-label", `Training loss (blue) and validation loss (orange) `
        + `per epoch; now ${h.trainLoss === null ? "–" : h.trainLoss.toFixed(3)} and `
        + `${h.valLoss.toFixed(3)}.`);
      accuracyCanvas.setAttribute("aria-label", `Validation accuracy per epoch; now `
        + `${(100 * h.valAccuracy).toFixed(1)}%.`);
      saturationCanvas.setAttribute("aria-label", `Share of saturated hidden values per epoch, `
        + `layer 1 (red) and layer 2 (gray); now ${(100 * h.saturated1).toFixed(1)}% and `
        + `${(100 * h.saturated2).toFixed(1)}%.`);
    }

    function describe(h) {
      return `Epoch ${h.epoch.toFixed(2)}: training loss `
        + `${h.trainLoss === null ? "–" : h.trainLoss.toFixed(3)}, validation loss `
        + `${h.valLoss.toFixed(3)}, validation accuracy ${(100 * h.valAccuracy).toFixed(1)}%; `
        + `saturated ${(100 * h.saturated1).toFixed(1)}% and ${(100 * h.saturated2).toFixed(1)}%.`;
    }

    function setRunning(on) {
      running = on;
      useButton.disabled = history.length === 0;  // nothing to take to the recognizer yet
      runButton.textContent = on ? "Pause" : (history.length > 1 ? "Resume" : "Start");
      runButton.setAttribute("aria-pressed", String(on));
      initInput.disabled = seedInput.disabled = on || history.length > 1;
    }

    worker.onmessage = (event) => {
      const message = event.data;
      if (message.type === "progress" && message.run !== run) return;
      if (message.type === "progress") {
        history.push(message);
        draw();
        say(describe(message));
        root.dataset.epoch = message.epoch;
      } else if (message.type === "done" || message.type === "paused") {
        setRunning(false);
        if (message.type === "done") say(`${describe(last())} Done: ${data.epochs} epochs.`);
      } else if (message.type === "diverged") {
        setRunning(false);
        say(`The loss is no longer a number: the training diverged at epoch `
          + `${last().epoch.toFixed(2)}. Lower the learning rate and press Reset.`);
      } else if (message.type === "error") {
        setRunning(false);
        say(`Error: ${message.message}`);
      }
      const resolve = waiting.filter((w) => w.type === message.type);
      waiting = waiting.filter((w) => w.type !== message.type);
      resolve.forEach((w) => w.resolve(message));
    };
    const next = (type) => new Promise((resolve) => waiting.push({ type, resolve }));

    function load() {  // the data, once, when first needed
      if (!loaded) {
        say(`Loading ${(data.n_train + data.n_val).toLocaleString("en")} MNIST images...`);
        loaded = next("loaded");
        worker.postMessage({ type: "load", data: url(data.pixels), labels: url(data.labels),
          nVal: data.n_val });
      }
      return loaded;
    }

    async function reset() {
      await load();
      history = [];
      const done = next("progress");
      run += 1;
      worker.postMessage({ type: "reset", settings: { ...settings(), run } });
      setRunning(false);
      await done;
    }

    async function startOrPause() {
      if (running) {
        worker.postMessage({ type: "pause" });
        return;
      }
      if (!history.length) await reset();
      worker.postMessage({ type: "set", settings: settings() });
      setRunning(true);
      worker.postMessage({ type: "run", epochs: Math.floor(last().epoch) + data.epochs });
    }

    async function weights() {
      const answer = next("weights");
      worker.postMessage({ type: "weights" });
      return (await answer).parameters;
    }

    // The recognizer page offers a network trained here (localStorage, nnbook-mlp-1 format).
    async function useInRecognizer() {
      const parameters = await weights();
      const encode = window.nnMLP.encodeFloat32;
      const layers = [0, 2, 4].map((k) => ({ in: parameters[k].length / parameters[k + 1].length,
        out: parameters[k + 1].length, W: encode(parameters[k]), b: encode(parameters[k + 1]) }));
      const h = last();
      const model = { format: "nnbook-mlp-1", activation: "tanh", layers,
        trained: { epochs: h.epoch, valAccuracy: h.valAccuracy, settings: settings() } };
      try {
        localStorage.setItem("nnbook-trained-mlp", JSON.stringify(model));
      } catch (error) {
        say(`The browser did not let the page keep the network (${error.message}).`);
        return;
      }
      window.location.href = new URL(root.dataset.recognizer, document.baseURI).href;
    }

    runButton.addEventListener("click", startOrPause);
    resetButton.addEventListener("click", () => { worker.postMessage({ type: "pause" }); reset(); });
    useButton.addEventListener("click", useInRecognizer);
    [lrInput, momentumInput, batchInput].forEach((el) => el.addEventListener("input", () => {
      showSettings();
      if (history.length) worker.postMessage({ type: "set", settings: settings() });
    }));
    useButton.disabled = true;
    lr.set(data.defaults.lr);
    momentumInput.value = data.defaults.momentum;
    batchInput.value = data.defaults.batch_size;
    showSettings();
    draw();
    say(`Press Start to train on ${data.n_train.toLocaleString("en")} images; the validation `
      + `accuracy is measured on ${data.n_val.toLocaleString("en")} others.`);
    return {
      draw, reset, startOrPause, weights, settings, history: () => history, next,
      set(values) {  // for the tests: {init, seed, lr, momentum, batchSize}
        if ("init" in values) initInput.value = values.init;
        if ("seed" in values) seedInput.value = values.seed;
        if ("lr" in values) lr.set(values.lr);
        if ("momentum" in values) momentumInput.value = values.momentum;
        if ("batchSize" in values) batchInput.value = values.batchSize;
        showSettings();
      },
    };
  }

  widgets.stepSize = register("nn-step-size", stepSize);
  widgets.softmax = register("nn-softmax", softmax);
  widgets.scale = register("nn-scale", scale);
  widgets.trainer = register("nn-trainer", trainer);
})();
