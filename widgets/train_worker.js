/* The trainer's Web Worker ("Train it yourself" on "Minibatch SGD"): trains the book's MLP with
 * nnbook's mlp.js, away from the page so that it stays responsive.
 *
 * Messages in:  {type: "load", data, labels}  URLs of the pixels (uint8, gzip) and the labels
 *               {type: "reset", settings: {run, init, seed, lr, batchSize, momentum}}
 *               {type: "set", settings}  new lr, batchSize or momentum (next batch / epoch)
 *               {type: "run", epochs}  train until `epochs` epochs are done, or paused
 *               {type: "pause"}  {type: "weights"}
 * Messages out: {type: "loaded", nTrain, nVal}, {type: "progress", ...}, {type: "paused"},
 *               {type: "done"}, {type: "diverged"}, {type: "weights", parameters},
 *               {type: "error", message}
 */
/* global nnMLP */
"use strict";

importScripts("mlp.js");

const REPORTS_PER_EPOCH = 4;  // validation points per epoch on the curves
let data = null;  // {Xtrain, ytrain, nTrain, Xval, yval, nVal}
let state = null;  // the run: parameters, velocities, settings, where it is
let running = false;

async function fetchBytes(url, gzipped) {
  const response = await fetch(url);
  if (!response.ok) throw new Error(`${url}: HTTP ${response.status}`);
  if (!gzipped) return new Uint8Array(await response.arrayBuffer());
  if (typeof DecompressionStream === "undefined") {
    throw new Error("this browser cannot decompress the training data (no DecompressionStream)");
  }
  const stream = response.body.pipeThrough(new DecompressionStream("gzip"));
  return new Uint8Array(await new Response(stream).arrayBuffer());
}

async function load(message) {
  const [pixels, labels] = await Promise.all([
    fetchBytes(message.data, true), fetchBytes(message.labels, false),
  ]);
  const n = labels.length, nVal = message.nVal, nTrain = n - nVal;
  if (pixels.length !== n * 784) throw new Error("the training data has inconsistent sizes");
  const X = Float32Array.from(pixels, (v) => v / 255);  // as data.to_tensors: float32, in [0, 1]
  data = {
    Xtrain: X.subarray(0, nTrain * 784), ytrain: labels.subarray(0, nTrain), nTrain,
    Xval: X.subarray(nTrain * 784), yval: labels.subarray(nTrain), nVal,
  };
  postMessage({ type: "loaded", nTrain, nVal });
}

function reset(settings) {
  const parameters = nnMLP.initialize(settings.init, settings.seed);
  state = {
    settings: { ...settings },
    parameters,
    velocities: parameters.map((p) => new Float64Array(p.length)),
    rng: nnMLP.random(settings.seed + 1000),  // the order of the images
    epoch: 0, batch: 0, order: null, step: 0,
    losses: [], seconds: 0,
  };
  report();
}

function shuffle(n, rng) {  // a random order of 0..n-1 (Fisher-Yates)
  const order = new Uint32Array(n).map((_, i) => i);
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(rng.uniform() * (i + 1));
    [order[i], order[j]] = [order[j], order[i]];
  }
  return order;
}

// One minibatch step: forward, loss, backward, update (mlp.js).
function step() {
  const { settings, parameters, velocities } = state;
  const B = settings.batchSize;
  if (state.order === null) state.order = shuffle(data.nTrain, state.rng);  // a new epoch
  const Xb = new Float32Array(B * 784), yb = new Uint8Array(B);
  for (let n = 0; n < B; n++) {
    const i = state.order[state.batch * B + n];
    Xb.set(data.Xtrain.subarray(i * 784, (i + 1) * 784), n * 784);
    yb[n] = data.ytrain[i];
  }
  const { loss, grads } = nnMLP.gradients(Xb, yb, B, parameters);
  nnMLP.update(parameters, velocities, grads, settings.lr, settings.momentum);
  state.losses.push(loss);
  state.step += 1;
  state.batch += 1;
  if (state.batch >= Math.floor(data.nTrain / B)) {  // drops the last, incomplete batch
    state.epoch += 1;
    state.batch = 0;
    state.order = null;
    if (state.pendingBatchSize) {  // a new batch size starts with a new epoch
      state.settings.batchSize = state.pendingBatchSize;
      state.pendingBatchSize = null;
    }
  }
  return loss;
}

function epochs() {  // epochs done, with the fraction of the current one
  return state.epoch + state.batch / Math.floor(data.nTrain / state.settings.batchSize);
}

function report() {
  const val = nnMLP.evaluate(data.Xval, data.yval, data.nVal, state.parameters);
  const n = state.losses.length;
  const trainLoss = n ? state.losses.reduce((a, b) => a + b) / n : null;
  state.losses = [];
  postMessage({
    type: "progress", run: state.settings.run, epoch: epochs(), step: state.step, trainLoss,
    seconds: state.seconds,
    valLoss: val.loss, valAccuracy: val.accuracy,
    saturated1: val.saturated1, saturated2: val.saturated2,
  });
}

// Trains in slices of about 50 ms, so that "pause" and new settings are heard between them.
function run(maxEpochs) {
  if (!running) return;
  const B = state.settings.batchSize;
  const perReport = Math.max(1, Math.round(Math.floor(data.nTrain / B) / REPORTS_PER_EPOCH));
  const start = performance.now();
  while (performance.now() - start < 50) {
    const loss = step();
    if (!Number.isFinite(loss)) {
      running = false;
      report();
      postMessage({ type: "diverged" });
      return;
    }
    if (state.batch % perReport === 0) {  // a quarter of an epoch, or an epoch's end
      state.seconds += (performance.now() - start) / 1000;  // training time, without validation
      report();
      if (epochs() >= maxEpochs) {
        running = false;
        postMessage({ type: "done" });
        return;
      }
      setTimeout(() => run(maxEpochs), 0);
      return;
    }
  }
  state.seconds += (performance.now() - start) / 1000;
  setTimeout(() => run(maxEpochs), 0);
}

function float32(parameters) {
  return parameters.map((p) => Float32Array.from(p));
}

onmessage = async (event) => {
  const message = event.data;
  try {
    if (message.type === "load") await load(message);
    else if (message.type === "reset") reset(message.settings);
    else if (message.type === "set") {
      const { lr, momentum, batchSize } = message.settings;
      Object.assign(state.settings, { lr, momentum });
      if (state.batch === 0) state.settings.batchSize = batchSize;
      else state.pendingBatchSize = batchSize;
    } else if (message.type === "run") {
      running = true;
      run(message.epochs);
    } else if (message.type === "pause") {
      running = false;
      postMessage({ type: "paused" });
    } else if (message.type === "weights") {
      postMessage({ type: "weights", parameters: float32(state.parameters) });
    }
  } catch (error) {
    running = false;
    postMessage({ type: "error", message: String(error.message || error) });
  }
};
