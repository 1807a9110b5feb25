/* The book's convolutional network (nnbook/cnn.py) in plain JavaScript: its forward pass for one
 * image, written as the loops of "Convolution" and "A convolutional network" write it.
 *
 * Used by the recognizer of "Try it: draw a digit", beside the MLP, and shown on that page (it
 * ships in nnbook, like recognizer.js). Needs mlp.js, loaded before it, to decode the export
 * format (nnbook.export.export_cnn: each parameter's shape and its float32 bytes in base64).
 *
 * Layout: a tensor is one array in PyTorch's order, row-major: the kernel weight W[k][c][u][v] of
 * a (K, C, m, m) tensor is W[((k * C + c) * m + u) * m + v], a feature map (K, H, W) likewise.
 *
 * API: globalThis.nnCNN = {SHAPES, parse, forward}.
 */
(function (root) {
  "use strict";

  // [W1, b1, W2, b2, W3, b3, W4, b4], as nnbook.cnn.SHAPES
  const SHAPES = [[16, 1, 5, 5], [16], [32, 16, 5, 5], [32], [800, 100], [100], [100, 10], [10]];

  function parse(json) {
    if (json.format !== "nnbook-cnn-1" || json.activation !== "relu") {
      throw new Error(`unknown model format ${json.format} / ${json.activation}`);
    }
    if (JSON.stringify(json.shapes) !== JSON.stringify(SHAPES)) {
      throw new Error("the CNN's parameters do not have the shapes of nnbook.cnn");
    }
    return json.parameters.map((text) => root.nnMLP.decodeFloat32(text));
  }

  // BEGIN forward
  // x: C maps of H x H values; W: K kernels of C x m x m weights; b: K biases.
  // Returns the K maps of size (H + 2 pad - m + 1), ReLU applied.
  function convReLU(x, C, H, W, b, K, m, pad) {
    const Hout = H + 2 * pad - m + 1;
    const z = new Float64Array(K * Hout * Hout);
    for (let k = 0; k < K; k++) {
      for (let i = 0; i < Hout; i++) {
        for (let j = 0; j < Hout; j++) {
          let sum = b[k];  // z[k][i][j] = b[k] + sum over c, u, v of W[k][c][u][v] x[c][i+u][j+v]
          for (let c = 0; c < C; c++) {
            for (let u = 0; u < m; u++) {
              const row = i + u - pad;  // the padded image's row i + u is the image's row - pad
              if (row < 0 || row >= H) continue;  // padding: zeros add nothing
              for (let v = 0; v < m; v++) {
                const col = j + v - pad;
                if (col < 0 || col >= H) continue;
                sum += W[((k * C + c) * m + u) * m + v] * x[(c * H + row) * H + col];
              }
            }
          }
          z[(k * Hout + i) * Hout + j] = Math.max(sum, 0);  // ReLU
        }
      }
    }
    return z;
  }

  // K maps of H x H -> K maps of H/2 x H/2: the largest value of each 2 x 2 window.
  function maxPool(h, K, H) {
    const S = H / 2;
    const p = new Float64Array(K * S * S);
    for (let k = 0; k < K; k++) {
      for (let i = 0; i < S; i++) {
        for (let j = 0; j < S; j++) {
          const at = (u, v) => h[(k * H + 2 * i + u) * H + 2 * j + v];
          p[(k * S + i) * S + j] = Math.max(at(0, 0), at(0, 1), at(1, 0), at(1, 1));
        }
      }
    }
    return p;
  }

  // z = h W + b for one row h: W (nIn, nOut) row by row.
  function affine(h, W, b, nIn, nOut) {
    const z = Float64Array.from(b);
    for (let i = 0; i < nIn; i++) {
      for (let j = 0; j < nOut; j++) z[j] += h[i] * W[i * nOut + j];
    }
    return z;
  }

  // x: 784 pixels in [0, 1]; parameters: parse's [W1, b1, ..., W4, b4].
  // Returns the probabilities and the first layer's feature maps (for the page to show).
  function forward(x, parameters) {
    const [W1, b1, W2, b2, W3, b3, W4, b4] = parameters;
    const h1 = convReLU(x, 1, 28, W1, b1, 16, 5, 2);  // (16, 28, 28)
    const p1 = maxPool(h1, 16, 28);  // (16, 14, 14)
    const h2 = convReLU(p1, 16, 14, W2, b2, 32, 5, 0);  // (32, 10, 10)
    const f = maxPool(h2, 32, 10);  // (32, 5, 5): the 800 features, in PyTorch's order
    const h3 = affine(f, W3, b3, 800, 100).map((v) => Math.max(v, 0));  // (100,), ReLU
    const logits = affine(h3, W4, b4, 100, 10);  // (10,)
    const maxLogit = Math.max(...logits);  // shift: exp cannot overflow
    const counts = logits.map((v) => Math.exp(v - maxLogit));
    const countsSum = counts.reduce((a, c) => a + c, 0);
    return { probs: Array.from(counts, (c) => c / countsSum), maps: h1 };
  }
  // END forward

  root.nnCNN = { SHAPES, parse, forward };
})(typeof globalThis !== "undefined" ? globalThis : this);
