/* The book's 784-100-100-10 tanh MLP in plain JavaScript: forward pass, loss, the hand-written
 * backward pass and the momentum update, written as the Python of "The backward pass",
 * "A shorter backward pass" and "Minibatch SGD" writes them.
 *
 * Used by the trainer of "Minibatch SGD" (in a Web Worker) and shown on that page (it ships in
 * nnbook, like recognizer.js, so that the page can show it wherever it runs).
 *
 * Layout: a matrix W of shape (in, out) is one array, row by row: W[i][j] is W[i * out + j], the
 * layout nnbook.export writes. A batch X of B images is B * 784 numbers, image after image.
 * Numbers are float64 while training (JavaScript's own numbers); exported weights are float32.
 *
 * API: globalThis.nnMLP = {SIZES, random, initialize, forward, softmax, nll, gradients, update,
 *                          evaluate, decodeBase64, decodeFloat32, encodeFloat32}.
 */
(function (root) {
  "use strict";

  const SIZES = [784, 100, 100, 10];  // pixels, hidden layer 1, hidden layer 2, digits

  // ---------------------------------------------------------------- random numbers

  // A seeded generator (mulberry32): the same seed gives the same run in every browser.
  function random(seed) {
    let state = seed >>> 0;
    const uniform = () => {  // in [0, 1)
      state = (state + 0x6d2b79f5) >>> 0;
      let t = state;
      t = Math.imul(t ^ (t >>> 15), t | 1);
      t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
      return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
    };
    const normal = () => {  // N(0, 1), Box-Muller
      const u = 1 - uniform(), v = uniform();
      return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
    };
    return { uniform, normal };
  }

  // BEGIN initialize
  // The draft's start, N(0, 1) for every weight ("draft"), or the book's ("scaled", Fixing the
  // initialization): W1 and W2 times gain / sqrt(fan_in), W3 times output_scale / sqrt(fan_in).
  function initialize(kind, seed, gain = 5 / 3, outputScale = 0.1) {
    const rng = random(seed);
    const parameters = [];
    for (let l = 0; l < 3; l++) {
      const fanIn = SIZES[l], fanOut = SIZES[l + 1];
      let scale = 1;
      if (kind === "scaled") scale = (l < 2 ? gain : outputScale) / Math.sqrt(fanIn);
      const W = new Float64Array(fanIn * fanOut).map(() => scale * rng.normal());
      const b = new Float64Array(fanOut);  // zeros
      parameters.push(W, b);
    }
    return parameters;  // [W1, b1, W2, b2, W3, b3]
  }
  // END initialize

  // BEGIN forward
  // z = h W + b for a batch: h (B, nIn), W (nIn, nOut), b (nOut,) -> z (B, nOut).
  // Rows of W whose input is 0 (most pixels) add nothing and are skipped.
  function linear(h, B, nIn, W, b, nOut) {
    const z = new Float64Array(B * nOut);
    for (let n = 0; n < B; n++) {
      const zn = n * nOut;
      for (let j = 0; j < nOut; j++) z[zn + j] = b[j];
      for (let i = 0; i < nIn; i++) {
        const hi = h[n * nIn + i];
        if (hi === 0) continue;
        const Wi = i * nOut;
        for (let j = 0; j < nOut; j++) z[zn + j] += hi * W[Wi + j];
      }
    }
    return z;
  }

  // The forward pass of a batch X (B, 784), as model.forward computes it, intermediates included.
  function forward(X, B, parameters) {
    const [W1, b1, W2, b2, W3, b3] = parameters;
    const [n0, n1, n2, n3] = SIZES;
    const h1_pre = linear(X, B, n0, W1, b1, n1);  // (B, 100)
    const h1 = h1_pre.map(Math.tanh);
    const h2_pre = linear(h1, B, n1, W2, b2, n2);  // (B, 100)
    const h2 = h2_pre.map(Math.tanh);
    const logits = linear(h2, B, n2, W3, b3, n3);  // (B, 10)
    return { h1_pre, h1, h2_pre, h2, logits };
  }

  // Softmax of each row of logits (B, 10), the largest logit subtracted first.
  function softmax(logits, B, K) {
    const probs = new Float64Array(B * K);
    for (let n = 0; n < B; n++) {
      let max = -Infinity, sum = 0;
      for (let k = 0; k < K; k++) max = Math.max(max, logits[n * K + k]);
      for (let k = 0; k < K; k++) sum += (probs[n * K + k] = Math.exp(logits[n * K + k] - max));
      for (let k = 0; k < K; k++) probs[n * K + k] /= sum;
    }
    return probs;
  }

  // -log softmax(logits)[n, y[n]] for each row, as logsumexp(logits) - logits[y]: finite even
  // where the probability itself rounds to 0 (the draft's start has such logits).
  function nll(logits, y, B, K) {
    const losses = new Float64Array(B);
    for (let n = 0; n < B; n++) {
      let max = -Infinity, sum = 0;
      for (let k = 0; k < K; k++) max = Math.max(max, logits[n * K + k]);
      for (let k = 0; k < K; k++) sum += Math.exp(logits[n * K + k] - max);
      losses[n] = max + Math.log(sum) - logits[n * K + y[n]];
    }
    return losses;
  }
  // END forward

  // BEGIN gradients
  // Loss and gradients of a batch X (B, 784) with labels y (B,): train.short_gradients.
  function gradients(X, y, B, parameters) {
    const [W1, , W2, , W3] = parameters;
    const [n0, n1, n2, n3] = SIZES;
    const { h1, h2, logits } = forward(X, B, parameters);
    const probs = softmax(logits, B, n3);  // (B, 10)

    // loss = mean of -log probs[n, y[n]];  dlogits = (probs - onehot(y)) / B
    const loss = nll(logits, y, B, n3).reduce((a, b) => a + b) / B;
    const dlogits = probs.map((p) => p / B);  // (B, 10)
    for (let n = 0; n < B; n++) dlogits[n * n3 + y[n]] -= 1 / B;

    const [dW3, db3, dh2] = backLinear(h2, B, n2, W3, dlogits, n3, true);
    const dh2_pre = dh2.map((d, k) => (1 - h2[k] * h2[k]) * d);  // tanh' = 1 - tanh^2
    const [dW2, db2, dh1] = backLinear(h1, B, n1, W2, dh2_pre, n2, true);
    const dh1_pre = dh1.map((d, k) => (1 - h1[k] * h1[k]) * d);
    const [dW1, db1] = backLinear(X, B, n0, W1, dh1_pre, n1, false);  // dX: nothing uses it
    return { loss, grads: [dW1, db1, dW2, db2, dW3, db3] };
  }

  // The backward pass of z = h W + b, given dz (B, nOut):
  // dW = h.T @ dz, db = dz.sum(0), dh = dz @ W.T (if wanted).
  function backLinear(h, B, nIn, W, dz, nOut, wantDh) {
    const dW = new Float64Array(nIn * nOut);
    const db = new Float64Array(nOut);
    const dh = wantDh ? new Float64Array(B * nIn) : null;
    for (let n = 0; n < B; n++) {
      const zn = n * nOut;
      for (let j = 0; j < nOut; j++) db[j] += dz[zn + j];
      for (let i = 0; i < nIn; i++) {
        const hi = h[n * nIn + i], Wi = i * nOut;
        if (hi !== 0) {
          for (let j = 0; j < nOut; j++) dW[Wi + j] += hi * dz[zn + j];
        }
        if (wantDh) {
          let sum = 0;
          for (let j = 0; j < nOut; j++) sum += dz[zn + j] * W[Wi + j];
          dh[n * nIn + i] = sum;
        }
      }
    }
    return [dW, db, dh];
  }
  // END gradients

  // BEGIN update
  // One step of SGD with momentum, as in train.minibatch_sgd:
  // v = momentum * v + grad;  p = p - lr * v  (in place).
  function update(parameters, velocities, grads, lr, momentum) {
    parameters.forEach((p, k) => {
      const v = velocities[k], grad = grads[k];
      for (let i = 0; i < p.length; i++) {
        v[i] = momentum * v[i] + grad[i];
        p[i] -= lr * v[i];
      }
    });
  }
  // END update

  // Mean loss, accuracy and the share of saturated hidden values (|h| > 0.99) on a data set,
  // in blocks of 500 images so that the intermediates stay small.
  function evaluate(X, y, N, parameters) {
    const K = SIZES[3], H = SIZES[1];
    let loss = 0, correct = 0, saturated1 = 0, saturated2 = 0;
    for (let start = 0; start < N; start += 500) {
      const B = Math.min(500, N - start);
      const Xb = X.subarray(start * SIZES[0], (start + B) * SIZES[0]);
      const { h1, h2, logits } = forward(Xb, B, parameters);
      const losses = nll(logits, y.subarray(start, start + B), B, K);
      for (let n = 0; n < B; n++) {
        const label = y[start + n];
        loss += losses[n];
        let best = 0;
        for (let k = 1; k < K; k++) if (logits[n * K + k] > logits[n * K + best]) best = k;
        if (best === label) correct += 1;
      }
      for (let k = 0; k < B * H; k++) {
        if (Math.abs(h1[k]) > 0.99) saturated1 += 1;
        if (Math.abs(h2[k]) > 0.99) saturated2 += 1;
      }
    }
    return {
      loss: loss / N, accuracy: correct / N,
      saturated1: saturated1 / (N * H), saturated2: saturated2 / (N * H),
    };
  }

  // ---------------------------------------------------------------- nnbook's export format

  // Bytes from base64 text, and little-endian float32 numbers from bytes, whatever the
  // machine's byte order: the layout of nnbook.export (W and b of each layer, images as bytes).
  function decodeBase64(text) {
    const binary = atob(text);
    const bytes = new Uint8Array(binary.length);
    for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
    return bytes;
  }

  function decodeFloat32(text) {
    const bytes = decodeBase64(text);
    const view = new DataView(bytes.buffer);
    const values = new Float32Array(bytes.length / 4);
    for (let i = 0; i < values.length; i++) values[i] = view.getFloat32(4 * i, true);
    return values;
  }

  function encodeFloat32(values) {
    const view = new DataView(new ArrayBuffer(4 * values.length));
    values.forEach((v, i) => view.setFloat32(4 * i, v, true));
    const bytes = new Uint8Array(view.buffer);
    let binary = "";
    for (let i = 0; i < bytes.length; i += 8192) {
      binary += String.fromCharCode.apply(null, bytes.subarray(i, i + 8192));
    }
    return btoa(binary);
  }

  root.nnMLP = {
    SIZES, random, initialize, forward, softmax, nll, gradients, update, evaluate,
    decodeBase64, decodeFloat32, encodeFloat32,
  };
})(globalThis);
