/* Try it: draw a digit. The book's 784-100-100-10 MLP, run in the browser in plain JavaScript,
 * and beside it the convolutional network of "A convolutional network" (nnbook's cnn.js).
 *
 * Needs nnbook's mlp.js, loaded before it, for the export format, and cnn.js if the page has a
 * panel for the CNN (.nn-cnn). Loads recognizer/model.json (the trained weights, exported by
 * nnbook.export.export_model), recognizer/cnn.json (export_cnn) and recognizer/digits.json (200
 * MNIST test digits, nnbook.export.export_digits) from the folder of this script, so the page
 * that includes it may live at any depth. A slider (.nn-shift) moves the image both networks
 * see by whole pixels, as the page's experiment with shifted digits does.
 *
 * A network the reader trained on "Minibatch SGD" (widgets/widgets.js keeps it in localStorage,
 * in the same format) is offered beside the book's. With a keyboard, the drawing box takes
 * the arrow keys to move the pen and Space to lift or lower it.
 *
 * Test API: window.nnRecognizer = {ready, preprocess, predictPixels, predictPixelsCNN,
 * predictCanvas, preprocessCanvas, current, clear, loadTestDigit, nTestDigits, useNetwork,
 * networks, setShift}.
 */
(function () {
  "use strict";

  // Jupyter Book also adds every _static/*.js to every page: run once, and only where the widget is.
  if (window.nnRecognizerScript) return;
  window.nnRecognizerScript = true;

  const SCRIPT_URL = (document.currentScript && document.currentScript.src) || document.baseURI;
  const MODEL_URL = new URL("recognizer/model.json", SCRIPT_URL).href;
  const DIGITS_URL = new URL("recognizer/digits.json", SCRIPT_URL).href;
  const CNN_URL = new URL("recognizer/cnn.json", SCRIPT_URL).href;
  const BRUSH_FRACTION = 1 / 12;  // stroke width as a fraction of the canvas: MNIST-like strokes

  // ---------------------------------------------------------------- loading the exported files

  // nnbook's export format, decoded by mlp.js (which the page loads first)
  const { decodeBase64, decodeFloat32 } = window.nnMLP;

  async function fetchJSON(url) {
    const response = await fetch(url);
    if (!response.ok) throw new Error(`${url}: HTTP ${response.status}`);
    return response.json();
  }

  function parseModel(json) {
    if (json.format !== "nnbook-mlp-1" || json.activation !== "tanh") {
      throw new Error(`unknown model format ${json.format} / ${json.activation}`);
    }
    const layers = json.layers.map((layer) => ({
      in: layer.in, out: layer.out, W: decodeFloat32(layer.W), b: decodeFloat32(layer.b),
    }));
    layers.forEach((layer, l) => {
      if (layer.W.length !== layer.in * layer.out || layer.b.length !== layer.out ||
          (l > 0 && layer.in !== layers[l - 1].out)) {
        throw new Error(`layer ${l} of the model has inconsistent sizes`);
      }
    });
    if (layers[0].in !== 784 || layers[layers.length - 1].out !== 10) {
      throw new Error("the model does not map 784 pixels to 10 digits");
    }
    return layers;
  }

  function parseDigits(json) {
    const pixels = decodeBase64(json.images);
    if (pixels.length !== json.n * 784 || json.labels.length !== json.n) {
      throw new Error("digits.json has inconsistent sizes");
    }
    return { n: json.n, pixels: pixels, labels: json.labels };
  }

  // ---------------------------------------------------------------- the forward pass

  // BEGIN forward
  // x: 784 pixels in [0, 1]
  // layers: [{in, out, W: in * out numbers, row by row, b: out numbers}, ...]
  // hidden: an array that receives the activations of each hidden layer (optional)
  function forward(x, layers, hidden = []) {
    let h = x;
    layers.forEach((layer, l) => {
      const z = Float64Array.from(layer.b);  // z = h W + b for one row h
      for (let i = 0; i < layer.in; i++) {
        if (h[i] === 0) continue;  // most pixels are 0: skip their rows of W
        const row = i * layer.out;
        for (let j = 0; j < layer.out; j++) {
          z[j] += h[i] * layer.W[row + j];
        }
      }
      const last = l === layers.length - 1;
      h = last ? z : z.map(Math.tanh);  // tanh in the hidden layers only
      if (!last) hidden.push(h);
    });
    const logits = h;
    const maxLogit = Math.max(...logits);  // shift: exp cannot overflow
    const counts = logits.map((v) => Math.exp(v - maxLogit));
    const countsSum = counts.reduce((a, b) => a + b, 0);
    return Array.from(counts, (c) => c / countsSum);
  }
  // END forward

  // ---------------------------------------------------------------- MNIST-style preprocessing

  // R[i][k]: the share of output pixel i = [i * step, (i + 1) * step) covered by input pixel [k, k + 1)
  function boxFilter(nIn, nOut, step) {
    const R = [];
    for (let i = 0; i < nOut; i++) {
      const lo = i * step, hi = (i + 1) * step;
      const weights = new Map();
      for (let k = Math.floor(lo); k < Math.min(nIn, Math.ceil(hi)); k++) {
        weights.set(k, (Math.min(k + 1, hi) - Math.max(k, lo)) / step);
      }
      R.push(weights);
    }
    return R;
  }

  // ink: width * height values in [0, 1], row-major. Returns 784 values in [0, 1] (MNIST style:
  // crop to the ink, larger side scaled to 20 px by area averaging, center of mass at (14, 14)),
  // or null if there is no ink. Same steps as nnbook.export.mnist_style.
  function preprocess(ink, width, height) {
    let r0 = height, r1 = -1, c0 = width, c1 = -1;
    for (let r = 0; r < height; r++) {
      for (let c = 0; c < width; c++) {
        if (ink[r * width + c] > 0) {
          if (r < r0) r0 = r;
          if (r > r1) r1 = r;
          if (c < c0) c0 = c;
          if (c > c1) c1 = c;
        }
      }
    }
    if (r1 < 0) return null;
    const h = r1 - r0 + 1, w = c1 - c0 + 1, side = Math.max(h, w);
    const outH = Math.ceil(20 * h / side), outW = Math.ceil(20 * w / side);
    const step = side / 20;
    const Ry = boxFilter(h, outH, step), Rx = boxFilter(w, outW, step);
    // columns first: tmp = crop Rx^T (h, outW), then small = Ry tmp (outH, outW)
    const tmp = new Float64Array(h * outW);
    for (let r = 0; r < h; r++) {
      const rowStart = (r0 + r) * width + c0;
      for (let j = 0; j < outW; j++) {
        let s = 0;
        Rx[j].forEach((weight, k) => { s += ink[rowStart + k] * weight; });
        tmp[r * outW + j] = s;
      }
    }
    const small = new Float64Array(outH * outW);
    let mass = 0, my = 0, mx = 0;
    for (let i = 0; i < outH; i++) {
      for (let j = 0; j < outW; j++) {
        let s = 0;
        Ry[i].forEach((weight, k) => { s += tmp[k * outW + j] * weight; });
        s = Math.min(1, Math.max(0, s));
        small[i * outW + j] = s;
        mass += s; my += s * i; mx += s * j;
      }
    }
    const top = Math.floor(14 - my / mass + 0.5), left = Math.floor(14 - mx / mass + 0.5);
    const image = new Float32Array(784);
    for (let i = 0; i < outH; i++) {
      for (let j = 0; j < outW; j++) {
        const y = top + i, x = left + j;
        if (y >= 0 && y < 28 && x >= 0 && x < 28) image[y * 28 + x] = small[i * outW + j];
      }
    }
    return image;
  }

  // 784 pixels moved k pixels to the right (left if k < 0); ink pushed out is lost.
  function shiftRight(pixels, k) {
    const moved = new Float32Array(784);
    for (let r = 0; r < 28; r++) {
      for (let c = 0; c < 28; c++) {
        const from = c - k;
        if (from >= 0 && from < 28) moved[r * 28 + c] = pixels[r * 28 + from];
      }
    }
    return moved;
  }

  // A bar chart, one column per digit, in container; returns show(probs).
  function barChart(container, who) {
    const columns = [];
    for (let d = 0; d < 10; d++) {
      const column = document.createElement("div");
      column.className = "nn-bar";
      column.innerHTML = '<span class="nn-bar-value"></span><span class="nn-bar-track">' +
        '<span class="nn-bar-fill"></span></span><span class="nn-bar-digit">' + d + "</span>";
      container.appendChild(column);
      columns.push(column);
    }
    return (probs) => {
      const top = probs ? probs.indexOf(Math.max(...probs)) : -1;
      columns.forEach((column, d) => {
        const p = probs ? probs[d] : 0;
        column.querySelector(".nn-bar-fill").style.height = `${(100 * p).toFixed(1)}%`;
        column.querySelector(".nn-bar-value").textContent =
          probs && p >= 0.005 ? `${Math.round(100 * p)}%` : "";  // no clutter of 0% labels
        column.classList.toggle("nn-top", d === top);
        column.title = probs ? `${d}: ${(100 * p).toFixed(2)}%` : "";
      });
      container.setAttribute("aria-label", probs ? `${who}'s probabilities: ` +
        probs.map((p, d) => `${d}: ${(100 * p).toFixed(1)}%`).join(", ") : "No digit yet");
      return top;
    };
  }

  // ---------------------------------------------------------------- the widget

  function setUp(root) {
    const canvas = root.querySelector(".nn-canvas");
    const ctx = canvas.getContext("2d", { willReadFrequently: true });
    const input = root.querySelector(".nn-input");
    const inputCtx = input.getContext("2d");
    const status = root.querySelector(".nn-status");
    const truth = root.querySelector(".nn-truth");
    const caption = root.querySelector(".nn-caption");
    const clearButton = root.querySelector(".nn-clear");
    const randomButton = root.querySelector(".nn-random");
    const bars = root.querySelector(".nn-bars");
    const choice = root.querySelector(".nn-network");
    const pen = root.querySelector(".nn-pen");
    const cnnPanel = root.querySelector(".nn-cnn");  // the CNN's bars and feature maps
    const shiftInput = root.querySelector(".nn-shift");
    const shiftLabel = root.querySelector(".nn-shift-value");

    let layers = null, digits = null, cnn = null;
    const networks = {};  // "book" and, if the reader trained one, "yours": their layers
    // pixels: the prepared image; input: what the networks see, pixels moved by `shift`
    let current = { source: "empty", pixels: null, input: null, probs: null, probsCNN: null,
                    index: null, label: null };
    let shift = 0;
    let drawing = null;  // {id, x, y} while a pointer draws
    let pending = false;

    const showBars = barChart(bars, "The MLP");
    const showBarsCNN = cnnPanel ? barChart(cnnPanel.querySelector(".nn-cnn-bars"), "The CNN") : null;
    const mapCanvases = cnnPanel ? Array.from(cnnPanel.querySelectorAll(".nn-map")) : [];
    const hiddenCanvases = Array.from(root.querySelectorAll(".nn-hidden-layer"));

    // current.input, .probs, .hidden and .probsCNN from current.pixels and the shift
    function run() {
      current.input = current.pixels ? (shift ? shiftRight(current.pixels, shift) : current.pixels) : null;
      current.hidden = [];  // the MLP's hidden activations: h1 and h2, 100 numbers each
      current.probs = current.input && layers ? forward(current.input, layers, current.hidden) : null;
      const out = current.input && cnn ? window.nnCNN.forward(current.input, cnn) : null;
      current.probsCNN = out ? out.probs : null;
      current.maps = out ? out.maps : null;
    }

    function ink() {
      const data = ctx.getImageData(0, 0, canvas.width, canvas.height).data;
      const values = new Float32Array(canvas.width * canvas.height);
      for (let k = 0; k < values.length; k++) values[k] = data[4 * k + 3] / 255;  // alpha = ink
      return values;
    }

    // values in [-1, 1] (or none: white) on a square canvas: -1 blue, 0 white, 1 red
    function paintSigned(target, values, offset = 0) {
      const targetCtx = target.getContext("2d");
      const image = targetCtx.createImageData(target.width, target.height);
      for (let q = 0; q < target.width * target.height; q++) {
        const v = values ? values[offset + q] : 0;
        const a = Math.round(255 * (1 - Math.abs(v)));  // the other two channels
        image.data[4 * q] = v > 0 ? 255 : a;  // red for positive values
        image.data[4 * q + 1] = a;
        image.data[4 * q + 2] = v < 0 ? 255 : a;  // blue for negative values
        image.data[4 * q + 3] = 255;
      }
      targetCtx.putImageData(image, 0, 0);
    }

    function showMaps(maps) {  // the CNN's first feature maps, 784 values each, after ReLU
      // scaled so that the largest value of all the maps is full red, the others in proportion
      const largest = maps ? maps.reduce((a, v) => Math.max(a, v), 0) : 0;
      const scaled = maps && largest > 0 ? maps.map((v) => v / largest) : maps;
      mapCanvases.forEach((mapCanvas, k) => paintSigned(mapCanvas, scaled, k * 784));
    }

    function showHidden(hidden) {  // the MLP's hidden layers, 100 units each as 10 x 10
      hiddenCanvases.forEach((layerCanvas, l) => paintSigned(layerCanvas, hidden ? hidden[l] : null));
    }

    function showInput(pixels) {
      const image = inputCtx.createImageData(28, 28);
      for (let k = 0; k < 784; k++) {
        const v = pixels ? Math.round(255 * pixels[k]) : 0;
        image.data[4 * k] = image.data[4 * k + 1] = image.data[4 * k + 2] = v;
        image.data[4 * k + 3] = 255;
      }
      inputCtx.putImageData(image, 0, 0);
    }

    function percent(p) {  // 0.99996 is not "100.0%": the network is never quite certain
      return p > 0.999 ? ">99.9%" : `${(100 * p).toFixed(1)}%`;
    }

    function showProbs(probs) {
      const top = showBars(probs);
      showHidden(probs ? current.hidden : null);
      root.dataset.prediction = probs ? String(top) : "";
      if (showBarsCNN) {
        const topCNN = showBarsCNN(current.probsCNN);
        root.dataset.predictionCnn = current.probsCNN ? String(topCNN) : "";
        const cnnStatus = cnnPanel.querySelector(".nn-cnn-status");
        cnnStatus.innerHTML = current.probsCNN ? `The CNN says <strong>${topCNN}</strong> ` +
          `(${percent(current.probsCNN[topCNN])} probability).` : (cnn ? "" : cnnStatus.innerHTML);
        showMaps(current.maps);
      }
      if (!probs) {
        status.textContent = layers ? "Draw a digit from 0 to 9 in the box." : status.textContent;
      } else {
        const who = cnnPanel ? "The MLP" : "The network";
        status.innerHTML = `${who} says <strong>${top}</strong> (${percent(probs[top])} probability).`;
      }
    }

    function show() {
      showInput(current.input);
      showProbs(current.probs);
      const test = current.source === "test";
      const verdict = (prediction) => (prediction === String(current.label) ? "right" : "wrong");
      truth.textContent = !test ? "" : `MNIST test digit #${current.index}, true label ` +
        `${current.label}: ` + (cnnPanel && cnn
          ? `the MLP is ${verdict(root.dataset.prediction)}, ` +
            `the CNN is ${verdict(root.dataset.predictionCnn)}.`
          : `the network is ${verdict(root.dataset.prediction)}.`);
      const moved = shift ? ` Moved ${Math.abs(shift)} px to the ${shift > 0 ? "right" : "left"}.` : "";
      const sees = cnnPanel ? "What the networks see" : "What the network sees";
      caption.textContent = sees + (test
        ? ": the test digit's 28 x 28 pixels, as MNIST stores them."
        : ": the drawing as 28 x 28 pixels, prepared like an MNIST digit.") + moved;
    }

    function predictDrawing() {
      pending = false;
      if (current.source === "test") return current.probs;
      const pixels = preprocess(ink(), canvas.width, canvas.height);
      current = { source: pixels ? "drawing" : "empty", pixels: pixels, index: null, label: null };
      run();
      show();
      return current.probs;
    }

    function schedulePrediction() {  // live updates while drawing, at most once per frame
      if (!pending) {
        pending = true;
        requestAnimationFrame(predictDrawing);
      }
    }

    function clear() {
      ctx.clearRect(0, 0, canvas.width, canvas.height);
      current = { source: "empty", pixels: null, index: null, label: null };
      run();
      show();
    }

    function loadTestDigit(index) {
      if (!digits || !layers) throw new Error("the network is not loaded yet");
      if (!(index >= 0 && index < digits.n)) throw new Error(`no test digit ${index}`);
      const pixels = new Float32Array(784);
      for (let k = 0; k < 784; k++) pixels[k] = digits.pixels[index * 784 + k] / 255;
      // the digit, enlarged, in the drawing box: white ink of the same opacity as its pixels
      ctx.clearRect(0, 0, canvas.width, canvas.height);
      const small = document.createElement("canvas");
      small.width = small.height = 28;
      const smallCtx = small.getContext("2d");
      const image = smallCtx.createImageData(28, 28);
      for (let k = 0; k < 784; k++) {
        image.data[4 * k] = image.data[4 * k + 1] = image.data[4 * k + 2] = 255;
        image.data[4 * k + 3] = digits.pixels[index * 784 + k];
      }
      smallCtx.putImageData(image, 0, 0);
      ctx.imageSmoothingEnabled = false;
      ctx.drawImage(small, 0, 0, canvas.width, canvas.height);
      current = { source: "test", pixels: pixels, index: index, label: digits.labels[index] };
      run();
      show();
      return { index: index, label: current.label, probs: current.probs, probsCNN: current.probsCNN };
    }

    function point(event) {
      const rect = canvas.getBoundingClientRect();
      return {
        x: (event.clientX - rect.left) * canvas.width / rect.width,
        y: (event.clientY - rect.top) * canvas.height / rect.height,
      };
    }

    function startStroke(event) {
      if (drawing || (event.pointerType === "mouse" && event.button !== 0)) return;
      event.preventDefault();
      if (current.source === "test") clear();  // drawing replaces a loaded test digit
      canvas.setPointerCapture(event.pointerId);
      const p = point(event);
      drawing = { id: event.pointerId, x: p.x, y: p.y };
      ctx.fillStyle = "#fff";
      ctx.beginPath();
      ctx.arc(p.x, p.y, ctx.lineWidth / 2, 0, 2 * Math.PI);  // a click leaves a dot
      ctx.fill();
      schedulePrediction();
    }

    function continueStroke(event) {
      if (!drawing || event.pointerId !== drawing.id) return;
      event.preventDefault();
      const events = event.getCoalescedEvents ? event.getCoalescedEvents() : [];
      (events.length ? events : [event]).forEach((e) => {
        const p = point(e);
        ctx.beginPath();
        ctx.moveTo(drawing.x, drawing.y);
        ctx.lineTo(p.x, p.y);
        ctx.stroke();
        drawing.x = p.x;
        drawing.y = p.y;
      });
      schedulePrediction();
    }

    function endStroke(event) {
      if (!drawing || event.pointerId !== drawing.id) return;
      drawing = null;
      predictDrawing();
    }

    // The keyboard: arrows move the pen by a twentieth of the box, Space lifts or lowers it.
    const keyboard = { x: canvas.width / 2, y: canvas.height / 2, down: false };
    function showPen() {
      if (!pen) return;
      pen.hidden = document.activeElement !== canvas;
      pen.style.left = `${(100 * keyboard.x) / canvas.width}%`;
      pen.style.top = `${(100 * keyboard.y) / canvas.height}%`;
      pen.classList.toggle("nn-pen-down", keyboard.down);
    }
    function penKey(event) {
      const step = canvas.width / 20;
      const moves = { ArrowLeft: [-step, 0], ArrowRight: [step, 0], ArrowUp: [0, -step],
                      ArrowDown: [0, step] };
      if (event.key === " " || event.key === "Enter") {
        event.preventDefault();
        keyboard.down = !keyboard.down;
        if (keyboard.down) {
          if (current.source === "test") clear();
          ctx.fillStyle = "#fff";
          ctx.beginPath();
          ctx.arc(keyboard.x, keyboard.y, ctx.lineWidth / 2, 0, 2 * Math.PI);
          ctx.fill();
          predictDrawing();
        }
        showPen();
      } else if (moves[event.key]) {
        event.preventDefault();
        const [dx, dy] = moves[event.key];
        const x = Math.min(canvas.width, Math.max(0, keyboard.x + dx));
        const y = Math.min(canvas.height, Math.max(0, keyboard.y + dy));
        if (keyboard.down) {
          ctx.beginPath();
          ctx.moveTo(keyboard.x, keyboard.y);
          ctx.lineTo(x, y);
          ctx.stroke();
        }
        keyboard.x = x;
        keyboard.y = y;
        showPen();
        if (keyboard.down) predictDrawing();
      }
    }
    canvas.addEventListener("keydown", penKey);
    canvas.addEventListener("focus", showPen);
    canvas.addEventListener("blur", () => { keyboard.down = false; showPen(); });

    // The network: the book's, or the one the reader trained on "Minibatch SGD".
    function useNetwork(name) {
      if (!networks[name]) throw new Error(`no network ${name}`);
      layers = networks[name];
      if (choice) choice.value = name;
      if (current.source === "test") {
        run();
        show();
      } else {
        predictDrawing();
      }
    }
    function storedNetwork() {
      let text = null;
      try {
        text = localStorage.getItem("nnbook-trained-mlp");
      } catch (error) {
        return null;  // storage blocked: only the book's network
      }
      if (!text) return null;
      try {
        const json = JSON.parse(text);
        return { layers: parseModel(json), trained: json.trained || {} };
      } catch (error) {
        return null;
      }
    }
    if (choice) choice.addEventListener("change", () => useNetwork(choice.value));

    // The slider: both networks see the image moved k pixels to the right.
    function setShift(k) {
      shift = Math.max(-6, Math.min(6, Math.round(k)));
      if (shiftInput) shiftInput.value = String(shift);
      if (shiftLabel) shiftLabel.textContent = `${shift > 0 ? "+" : ""}${shift} px`;
      run();
      show();
      return current.probs;
    }
    if (shiftInput) shiftInput.addEventListener("input", () => setShift(Number(shiftInput.value)));

    ctx.lineWidth = canvas.width * BRUSH_FRACTION;
    ctx.lineCap = "round";
    ctx.lineJoin = "round";
    ctx.strokeStyle = "#fff";
    canvas.addEventListener("pointerdown", startStroke);
    canvas.addEventListener("pointermove", continueStroke);
    canvas.addEventListener("pointerup", endStroke);
    canvas.addEventListener("pointercancel", endStroke);
    clearButton.addEventListener("click", clear);
    randomButton.addEventListener("click", () => {
      let index = Math.floor(Math.random() * digits.n);
      if (index === current.index) index = (index + 1) % digits.n;
      loadTestDigit(index);
    });

    clearButton.disabled = randomButton.disabled = true;
    status.textContent = "Loading the network...";
    show();

    const files = [fetchJSON(MODEL_URL), fetchJSON(DIGITS_URL)];
    if (cnnPanel) files.push(fetchJSON(CNN_URL));
    const ready = Promise.all(files).then(([model, tests, cnnJSON]) => {
      networks.book = layers = parseModel(model);
      if (cnnJSON) cnn = window.nnCNN.parse(cnnJSON);
      digits = parseDigits(tests);
      const yours = storedNetwork();
      if (yours && choice) {
        networks.yours = yours.layers;
        const option = document.createElement("option");
        option.value = "yours";
        const accuracy = yours.trained.valAccuracy;
        option.textContent = "yours, trained on Minibatch SGD" + (accuracy === undefined ? ""
          : ` (${(100 * accuracy).toFixed(1)}% validation accuracy)`);
        choice.appendChild(option);
        choice.closest(".nn-network-row").hidden = false;
        layers = networks.yours;
        choice.value = "yours";
      }
      clearButton.disabled = randomButton.disabled = false;
      root.classList.add("nn-ready");
      predictDrawing();  // the reader may have drawn while the weights were loading
    }).catch((error) => {
      root.classList.add("nn-failed");
      if (cnnPanel) cnnPanel.querySelector(".nn-cnn-status").textContent = "";
      status.textContent = `Could not load the network (${error.message}). ` +
        "If you opened this page as a file, serve the book over HTTP instead, " +
        "e.g. with python -m http.server in its folder.";
      throw error;
    });
    ready.catch(() => {});  // shown on the page; callers of nnRecognizer.ready still see it

    return {
      ready: ready,
      preprocess: (inkValues, width, height) => {
        const image = preprocess(inkValues, width, height);
        return image ? Array.from(image) : null;
      },
      predictPixels: (pixels) => forward(pixels, layers),
      predictPixelsCNN: (pixels) => window.nnCNN.forward(pixels, cnn).probs,
      setShift: setShift,
      predictCanvas: () => predictDrawing(),
      preprocessCanvas: () => {
        const image = preprocess(ink(), canvas.width, canvas.height);
        return image ? Array.from(image) : null;
      },
      current: () => ({
        source: current.source, index: current.index, label: current.label, shift: shift,
        probs: current.probs, probsCNN: current.probsCNN,
        hidden: current.probs ? current.hidden.map((h) => Array.from(h)) : null,
        pixels: current.pixels ? Array.from(current.pixels) : null,
        input: current.input ? Array.from(current.input) : null,
      }),
      clear: clear,
      loadTestDigit: loadTestDigit,
      useNetwork: useNetwork,
      networks: () => Object.keys(networks),
      nTestDigits: () => (digits ? digits.n : 0),
    };
  }

  function start() {
    const root = document.getElementById("nn-recognizer");
    if (root) window.nnRecognizer = setUp(root);
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
