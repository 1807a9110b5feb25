"""The in-browser recognizer ("Try it: draw a digit") in headless Chromium, on the BUILT book.

Needs, and fails (never skips) without them:
- the built site: `jupyter-book build .` first, so that _build/html (or $NNBOOK_SITE) holds
  chapters/recognizer.html and _static/recognizer/{model.json,cnn.json,digits.json} (written
  by the recognizer page's export cells);
- the Python package playwright and a Chromium, as tools/browser.py finds it: $CHROMIUM, else
  chromium (or Chrome) on the PATH, else /usr/bin/chromium, else the one
  `playwright install chromium` downloads.
MathJax comes from a CDN on every page. Offline, it is served from a local copy of the mathjax@3
package: $NNBOOK_MATHJAX (`npm install mathjax@3` -> node_modules/mathjax, the folder holding
es5/), else the one `make test` installs. Without one those requests, like every request that
leaves localhost, are aborted, and their failures are not counted as page errors.
"""

import math

import numpy as np
import pytest
import torch

from conftest import SITE, Tab
from nnbook import cnn, export, model

PAGE = "chapters/recognizer.html"

# Strokes in canvas units (0..1, y down), drawn with the mouse; each is a list of polylines.
# fmt: off
STROKES = {
    "1": [[(0.52, 0.15), (0.50, 0.50), (0.48, 0.85)]],
    "7": [[(0.25, 0.18), (0.75, 0.18), (0.62, 0.45), (0.50, 0.68), (0.42, 0.88)]],
    "0": [[(0.5 + 0.22 * math.sin(2 * math.pi * t / 24),
            0.5 - 0.33 * math.cos(2 * math.pi * t / 24)) for t in range(25)]],
    "3": [[(0.30, 0.22), (0.45, 0.14), (0.62, 0.16), (0.68, 0.28), (0.60, 0.42), (0.45, 0.48),
           (0.62, 0.54), (0.70, 0.68), (0.62, 0.82), (0.45, 0.86), (0.28, 0.78)]],
}
# fmt: on


@pytest.fixture(scope="session")
def site():
    """The built HTML folder, checked to hold the recognizer page and its files."""
    needed = [
        PAGE,
        "_static/recognizer.js",
        "_static/mlp.js",
        "_static/recognizer.css",
        "_static/recognizer/model.json",
        "_static/recognizer/digits.json",
        "_static/recognizer/cnn.json",
        "_static/cnn.js",
    ]
    missing = [name for name in needed if not (SITE / name).is_file()]
    if missing:
        pytest.fail(
            f"The built book in {SITE} lacks {', '.join(missing)}: run `jupyter-book build .` "
            "first (the minibatch page exports _static/recognizer/*.json)."
        )
    return SITE


class Recognizer(Tab):
    """The recognizer page open in a browser tab, with the errors it reported."""

    def canvas_box(self):
        """The drawing canvas's box in the viewport, scrolled into view (events outside miss it)."""
        canvas = self.page.locator("#nn-recognizer .nn-canvas")
        canvas.scroll_into_view_if_needed()
        return canvas.bounding_box()

    def draw(self, polylines, steps=4):
        """Draw polylines (canvas units 0..1) with real mouse events."""
        box = self.canvas_box()

        def to_page(x, y):
            return box["x"] + x * box["width"], box["y"] + y * box["height"]

        for polyline in polylines:
            self.page.mouse.move(*to_page(*polyline[0]))
            self.page.mouse.down()
            for x, y in polyline[1:]:
                self.page.mouse.move(*to_page(x, y), steps=steps)
            self.page.mouse.up()

    def ink(self):
        """The drawing canvas's ink (alpha / 255) as a (height, width) array."""
        width, height, alpha = self.js("""() => {
            const c = document.querySelector('#nn-recognizer .nn-canvas');
            const data = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
            return [c.width, c.height, Array.from(data.filter((v, k) => k % 4 === 3))];
        }""")
        return np.array(alpha, dtype=np.float64).reshape(height, width) / 255

    def shown(self):
        """What the widget displays: predicted digit (or ''), bar heights in %, status text."""
        return self.js("""() => {
            const root = document.getElementById('nn-recognizer');
            return {
                prediction: root.dataset.prediction,
                heights: Array.from(root.querySelectorAll('.nn-bars .nn-bar-fill'),
                                    e => parseFloat(e.style.height || '0')),
                status: root.querySelector('.nn-status').textContent,
                truth: root.querySelector('.nn-truth').textContent,
                predictionCnn: root.dataset.predictionCnn,
                heightsCnn: Array.from(root.querySelectorAll('.nn-cnn-bars .nn-bar-fill'),
                                       e => parseFloat(e.style.height || '0')),
                statusCnn: root.querySelector('.nn-cnn-status').textContent,
            };
        }""")


@pytest.fixture
def recognizer(open_page):
    """A fresh tab on the recognizer page, loaded and ready; fails the test on any page error."""
    tab = open_page(PAGE, tab_class=Recognizer, has_touch=True)
    try:
        tab.page.wait_for_function("() => window.nnRecognizer !== undefined", timeout=10_000)
        tab.js("() => window.nnRecognizer.ready.then(() => true)")  # weights and digits loaded
    except Exception as error:
        pytest.fail(f"The recognizer did not start ({error}); page errors: {tab.page_errors()}")
    return tab


@pytest.fixture(scope="session")
def exported(site):
    """(parameters, test images (200, 784), labels), decoded from the files the page loads."""
    parameters = export.load_model(site / "_static" / "recognizer" / "model.json")
    images, labels = export.load_digits(site / "_static" / "recognizer" / "digits.json")
    return parameters, images, labels


@pytest.fixture(scope="session")
def exported_cnn(site):
    """The CNN's parameters, decoded from the file the page loads."""
    return export.load_cnn(site / "_static" / "recognizer" / "cnn.json")


def _python_probs_cnn(parameters, X):
    X = torch.as_tensor(X, dtype=torch.float32).reshape(-1, 784)
    return torch.softmax(cnn.forward(X, parameters), 1)


def _python_probs(parameters, X):
    return torch.softmax(
        model.forward(torch.as_tensor(X, dtype=torch.float32).reshape(-1, 784), parameters), 1
    )


def test_page_loads_without_errors(recognizer):
    shown = recognizer.shown()
    assert shown["prediction"] == "" and shown["heights"] == [0.0] * 10
    assert "Draw a digit" in shown["status"]
    canvas = "document.querySelector('#nn-recognizer .nn-canvas')"
    assert recognizer.js(f"() => getComputedStyle({canvas}).touchAction") == "none"
    assert recognizer.js("() => window.nnRecognizer.nTestDigits()") == 200


def test_shipped_digits_are_the_first_mnist_test_digits(exported, mnist):
    from nnbook import data

    _, images, labels = exported
    test_x, test_y = data.to_tensors(mnist["test"].select(range(200)))
    assert torch.equal(images, test_x.reshape(200, 784)) and torch.equal(labels, test_y)


def test_200_test_digits_same_predictions_as_python(recognizer, exported):
    parameters, images, labels = exported
    probs_js = torch.tensor(
        recognizer.js(
            "pixels => pixels.map(p => window.nnRecognizer.predictPixels(p))", images.tolist()
        ),
        dtype=torch.float64,
    )  # (200, 10)
    probs_py = _python_probs(parameters, images).double()  # (200, 10)
    agreement = (probs_js.argmax(1) == probs_py.argmax(1)).double().mean().item()
    print(
        f"JS and Python agree on {agreement:.1%} of the 200 test digits; "
        f"max |probability difference| {(probs_js - probs_py).abs().max().item():.2e}; "
        f"JS accuracy {(probs_js.argmax(1) == labels).double().mean().item():.1%}"
    )
    assert agreement >= 0.99
    assert torch.allclose(probs_js.sum(1), torch.ones(200, dtype=torch.float64))
    assert (probs_js - probs_py).abs().max() < 1e-4  # float64 in JS, float32 in PyTorch
    # the trained weights, not random ones
    assert (probs_js.argmax(1) == labels).double().mean() >= 0.95


def test_random_test_digit_button_shows_digit_and_label(recognizer, exported):
    parameters, images, labels = exported
    for _ in range(3):
        recognizer.page.get_by_role("button", name="Random test digit").click()
        current = recognizer.js("() => window.nnRecognizer.current()")
        index = current["index"]
        assert current["source"] == "test" and current["label"] == labels[index].item()
        assert np.allclose(current["pixels"], images[index].numpy())
        expected = _python_probs(parameters, images[index]).argmax().item()
        shown = recognizer.shown()
        assert shown["prediction"] == str(expected)
        assert (
            f"#{index}" in shown["truth"]
            and f"true label {labels[index].item()}:" in shown["truth"]
        )
    result = recognizer.js("() => window.nnRecognizer.loadTestDigit(7)")
    assert result["index"] == 7 and result["label"] == labels[7].item()


@pytest.mark.parametrize("digit", ["1", "7"])
def test_mouse_stroke_gives_prediction(recognizer, exported, digit):
    parameters = exported[0]
    recognizer.draw(STROKES[digit])
    current = recognizer.js("() => window.nnRecognizer.current()")
    assert current["source"] == "drawing"
    probs = np.array(current["probs"])
    assert probs.shape == (10,) and np.all(probs >= 0) and abs(probs.sum() - 1) < 1e-9
    shown = recognizer.shown()
    assert shown["prediction"] == str(probs.argmax())
    assert abs(sum(shown["heights"]) - 100) < 1  # the bars show the ten probabilities
    assert f"says {probs.argmax()}" in shown["status"]
    # the page's preprocessing is nnbook.export.mnist_style, and its forward pass is model.forward
    pixels = np.array(recognizer.js("() => window.nnRecognizer.preprocessCanvas()"))
    assert np.allclose(pixels, export.mnist_style(recognizer.ink()).ravel(), atol=1e-6)
    assert np.allclose(current["pixels"], pixels)
    assert np.allclose(probs, _python_probs(parameters, pixels)[0].numpy(), atol=1e-5)
    assert probs.argmax() == int(digit), (
        f"a drawn {digit} was read as {probs.argmax()}: {probs.round(3)}"
    )


def test_prediction_updates_while_drawing(recognizer):
    box = recognizer.canvas_box()
    mouse = recognizer.page.mouse
    mouse.move(box["x"] + 0.5 * box["width"], box["y"] + 0.15 * box["height"])
    mouse.down()
    mouse.move(box["x"] + 0.5 * box["width"], box["y"] + 0.85 * box["height"], steps=5)
    # the button is still down: the prediction comes from the next animation frame
    recognizer.page.wait_for_function(
        "() => window.nnRecognizer.current().probs !== null", timeout=5_000
    )
    assert recognizer.shown()["prediction"] != ""
    mouse.up()


def test_touch_stroke_draws(recognizer):
    box = recognizer.canvas_box()
    cdp = recognizer.page.context.new_cdp_session(recognizer.page)
    points = [(0.5, 0.15 + 0.7 * t / 10) for t in range(11)]
    for k, (x, y) in enumerate(points):
        kind = "touchStart" if k == 0 else "touchMove"
        cdp.send(
            "Input.dispatchTouchEvent",
            {
                "type": kind,
                "touchPoints": [
                    {"x": box["x"] + x * box["width"], "y": box["y"] + y * box["height"]}
                ],
            },
        )
    cdp.send("Input.dispatchTouchEvent", {"type": "touchEnd", "touchPoints": []})
    recognizer.page.wait_for_function(
        "() => window.nnRecognizer.current().probs !== null", timeout=5_000
    )
    assert recognizer.js("() => window.nnRecognizer.current().source") == "drawing"
    assert recognizer.shown()["prediction"] != ""


def test_empty_canvas_gives_no_prediction(recognizer):
    assert recognizer.js("() => window.nnRecognizer.predictCanvas()") is None
    recognizer.draw(STROKES["7"])
    assert recognizer.js("() => window.nnRecognizer.predictCanvas()") is not None
    recognizer.page.get_by_role("button", name="Clear").click()
    assert recognizer.ink().max() == 0
    assert recognizer.js("() => window.nnRecognizer.predictCanvas()") is None
    assert recognizer.js("() => window.nnRecognizer.preprocessCanvas()") is None
    shown = recognizer.shown()
    assert shown["prediction"] == "" and shown["heights"] == [0.0] * 10
    assert "Draw a digit" in shown["status"]
    input_pixels = recognizer.js("""() => Array.from(
        document.querySelector('#nn-recognizer .nn-input')
        .getContext('2d').getImageData(0, 0, 28, 28).data.filter((v, k) => k % 4 === 0))""")
    assert max(input_pixels) == 0  # the network's input is shown black


def test_preprocessing_matches_python_reference(recognizer):
    rng = np.random.default_rng(0)
    for height, width in [(280, 280), (90, 300), (300, 40)]:
        ink = np.zeros((height, width))
        for _ in range(3):  # a few random blobs, with gray edges
            y, x = rng.integers(0, height), rng.integers(0, width)
            ink[max(0, y - 20) : y + 25, max(0, x - 8) : x + 30] = rng.uniform(0.2, 1.0)
        # stray specks: the bounding box includes them
        ink[rng.random((height, width)) < 0.001] = 0.5
        js = recognizer.js(
            "([ink, w, h]) => window.nnRecognizer.preprocess(ink, w, h)",
            [ink.ravel().tolist(), width, height],
        )
        assert np.allclose(np.array(js).reshape(28, 28), export.mnist_style(ink), atol=1e-9)
    assert (
        recognizer.js("() => window.nnRecognizer.preprocess(new Array(100).fill(0), 10, 10)")
        is None
    )


def test_200_test_digits_same_cnn_predictions_as_python(recognizer, exported, exported_cnn):
    _, images, labels = exported
    probs_js = torch.tensor(
        recognizer.js(
            "pixels => pixels.map(p => window.nnRecognizer.predictPixelsCNN(p))",
            images.tolist(),
        ),
        dtype=torch.float64,
    )  # (200, 10)
    probs_py = _python_probs_cnn(exported_cnn, images).double()  # (200, 10)
    print(
        f"CNN: JS and Python agree on "
        f"{(probs_js.argmax(1) == probs_py.argmax(1)).double().mean().item():.1%} of the 200 "
        f"test digits; max |probability difference| {(probs_js - probs_py).abs().max():.2e}"
    )
    assert torch.equal(probs_js.argmax(1), probs_py.argmax(1))
    assert (probs_js - probs_py).abs().max() < 1e-4  # float64 in JS, float32 in PyTorch
    assert (probs_js.argmax(1) == labels).double().mean() >= 0.97  # the trained weights


def test_test_digit_shows_both_networks_and_the_feature_maps(recognizer, exported, exported_cnn):
    parameters, images, labels = exported
    result = recognizer.js("() => window.nnRecognizer.loadTestDigit(3)")
    shown = recognizer.shown()
    expected = _python_probs_cnn(exported_cnn, images[3])[0]
    assert np.allclose(result["probsCNN"], expected.numpy(), atol=1e-5)
    assert shown["predictionCnn"] == str(expected.argmax().item())
    assert abs(sum(shown["heightsCnn"]) - 100) < 1
    assert f"says {expected.argmax().item()}" in shown["statusCnn"]
    assert "the MLP is" in shown["truth"] and "the CNN is" in shown["truth"]
    # the first feature maps: one canvas per kernel, red where Python's map (after ReLU, scaled
    # by the largest value of all maps) is at least half a step of 255, white elsewhere
    colored = recognizer.js("""() => Array.from(document.querySelectorAll('#nn-recognizer .nn-map'),
        c => { const d = c.getContext('2d').getImageData(0, 0, 28, 28).data;
               let n = 0; for (let k = 0; k < d.length; k += 4) n += d[k] !== d[k + 2];
               return n; })""")
    h1 = cnn.forward_all(images[3:4], exported_cnn)["h1"][0]  # (16, 28, 28)
    expected_colored = (h1 / h1.max() > 0.5 / 255).sum((1, 2))  # (16,)
    assert len(colored) == cnn.SHAPES[0][0], colored
    assert all(abs(n - m) <= 3 for n, m in zip(colored, expected_colored.tolist())), colored
    assert sum(n > 20 for n in colored) >= len(colored) // 2  # most kernels find the digit


def test_hidden_units_of_a_test_digit_are_python_s_and_painted(recognizer, exported):
    """The strip of hidden units: the MLP's h1 and h2 for the image, as Python computes them,
    painted red for +1, white for 0, blue for -1; white again when the box is cleared."""
    parameters, images, _ = exported
    recognizer.js("() => window.nnRecognizer.loadTestDigit(5)")
    hidden = recognizer.js("() => window.nnRecognizer.current().hidden")
    W1, b1, W2, b2, _, _ = parameters
    h1 = torch.tanh(torch.as_tensor(images[5], dtype=torch.float32) @ W1 + b1)  # (100,)
    h2 = torch.tanh(h1 @ W2 + b2)  # (100,)
    assert len(hidden) == 2
    assert np.allclose(hidden[0], h1.numpy(), atol=1e-5)  # float64 in JS, float32 here
    assert np.allclose(hidden[1], h2.numpy(), atol=1e-5)

    def painted():
        return recognizer.js("""() => Array.from(
            document.querySelectorAll('#nn-recognizer .nn-hidden-layer'),
            c => Array.from(c.getContext('2d').getImageData(0, 0, 10, 10).data))""")

    for pixels, h in zip(painted(), [h1, h2]):
        rgb = np.array(pixels).reshape(100, 4)[:, :3]  # (100, 3)
        other = np.round(255 * (1 - np.abs(h.numpy())))  # the channels that fade
        red = np.where(h.numpy() > 0, 255, other)
        blue = np.where(h.numpy() < 0, 255, other)
        assert np.abs(rgb - np.stack([red, other, blue], 1)).max() <= 1
        assert (np.abs(h.numpy()) > 0.5).sum() > 10  # not a blank strip
    recognizer.js("() => window.nnRecognizer.clear()")
    assert all(set(pixels) == {255} for pixels in painted())


def test_shifting_the_image_moves_what_both_networks_see(recognizer, exported, exported_cnn):
    parameters, images, _ = exported
    recognizer.js("() => window.nnRecognizer.loadTestDigit(0)")
    slider = recognizer.page.locator("#nn-recognizer .nn-shift")
    slider.fill("4")  # as a reader drags it: the input event
    current = recognizer.js("() => window.nnRecognizer.current()")
    assert current["shift"] == 4
    moved = torch.zeros(28, 28)
    moved[:, 4:] = images[0].view(28, 28)[:, :24]
    assert np.allclose(current["input"], moved.view(-1).numpy())
    assert np.allclose(current["probs"], _python_probs(parameters, moved)[0].numpy(), atol=1e-5)
    assert np.allclose(
        current["probsCNN"], _python_probs_cnn(exported_cnn, moved)[0].numpy(), atol=1e-5
    )
    assert "4 px" in recognizer.page.locator("#nn-recognizer .nn-shift-value").inner_text()
    assert "Moved 4 px to the right" in recognizer.page.locator(
        "#nn-recognizer .nn-caption").inner_text()  # fmt: skip
    recognizer.js("() => window.nnRecognizer.setShift(0)")
    assert np.allclose(recognizer.js("() => window.nnRecognizer.current()")["input"], images[0])


@pytest.mark.parametrize("digit", ["3", "7"])
def test_drawn_digit_shifted_and_unshifted_both_networks(recognizer, digit):
    """A drawn digit, read by both networks as drawn, then moved 2 and 5 pixels."""
    recognizer.draw(STROKES[digit])
    answers = {}
    for k in [0, 2, 5]:
        probs = recognizer.js(f"() => window.nnRecognizer.setShift({k})")
        current = recognizer.js("() => window.nnRecognizer.current()")
        assert probs == current["probs"] and current["shift"] == k
        answers[k] = (int(np.argmax(current["probs"])), int(np.argmax(current["probsCNN"])))
    print(f"drawn {digit}: (MLP, CNN) answers by shift {answers}")
    assert answers[0] == (int(digit), int(digit))  # both read the unshifted drawing
    assert answers[2][1] == int(digit)  # the CNN still reads it 2 px away
