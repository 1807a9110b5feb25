"""The explorable figures (widgets/widgets.js) in headless Chromium, on the BUILT book.

Each test moves a figure's controls as a reader would (mouse, keyboard) and checks what the
figure computes against the page's Python: the numbers the pages wrote into _static/widgets/
when the book was built, or PyTorch run here. Needs what tests/test_browser.py needs.
"""

import json
import math

import numpy as np
import pytest
import torch

from conftest import SITE, local_only
from nnbook import model, train, widgets

WIDGETS = SITE / "_static" / "widgets"
PAGES = {
    "stepSize": ("chapters/how_networks_learn.html", "nn-step-size"),
    "softmax": ("chapters/loss.html", "nn-softmax"),
    "scale": ("chapters/initialization.html", "nn-scale"),
    "trainer": ("chapters/minibatch.html", "nn-trainer"),
}


def ready(tab, name):
    """Wait until the widget `name` runs; return the tab."""
    tab.page.wait_for_function(f"() => window.nnWidgets && window.nnWidgets.{name}", timeout=10_000)
    tab.js(f"() => window.nnWidgets.{name}.ready.then(() => true)")
    root = tab.page.locator(f"#{PAGES[name][1]}")
    assert root.is_visible()
    return tab


@pytest.fixture
def widget(open_page):
    def open_widget(name):
        return ready(open_page(PAGES[name][0]), name)

    return open_widget


def data(name):
    return json.loads((WIDGETS / name).read_text())


def status(tab, name):
    return tab.page.locator(f"#{PAGES[name][1]} .nn-status").inner_text()


def canvas_pixels(tab, selector):
    return tab.js(
        """selector => Array.from(document.querySelectorAll(selector), c =>
            c.getContext('2d').getImageData(0, 0, c.width, c.height).data.join(','))""",
        selector,
    )


# ---------------------------------------------------------------- every widget


@pytest.mark.parametrize("name", list(PAGES))
def test_each_widget_replaces_its_picture_and_is_labelled(widget, name):
    tab = widget(name)
    page, root_id = PAGES[name]
    # the static picture the page drew is hidden on screen, and kept for print
    picture = tab.page.locator(f"#{root_id}").locator(
        "xpath=preceding-sibling::div[contains(@class, 'tag_widget-static')][1]"
    )
    assert picture.count() == 1 and not picture.is_visible()
    # every control has a name a screen reader reads out (Chromium's accessibility tree)
    tree = tab.page.locator(f"#{root_id}").aria_snapshot()
    for control in tab.page.locator(f"#{root_id} input, #{root_id} select").all():
        label = tab.js(
            "el => el.labels && el.labels.length ? el.labels[0].textContent.trim() : ''",
            control.element_handle(),
        )
        assert label, f"an unlabelled control in {root_id}"
        assert label.split()[0] in tree
    for canvas in tab.page.locator(f"#{root_id} canvas").all():
        assert canvas.get_attribute("role") == "img" and canvas.get_attribute("aria-label")
    assert tab.page.locator(f"#{root_id} .nn-status").get_attribute("aria-live") == "polite"


@pytest.mark.parametrize("name", ["stepSize", "softmax", "scale"])
def test_sliders_redraw_within_50_ms(widget, name):
    tab = widget(name)
    times = tab.js(
        f"""() => {{
            const api = window.nnWidgets.{name}, times = [];
            for (let k = 0; k < 7; k++) {{
                const start = performance.now();
                api.draw();
                times.push(performance.now() - start);
            }}
            return times;
        }}"""
    )
    print(f"{name}: redraw {np.median(times):.1f} ms (median of {len(times)})")
    assert np.median(times) < 50


@pytest.mark.parametrize("name", ["stepSize", "scale"])
def test_dark_mode_redraws_in_dark_colors(widget, name):
    tab = widget(name)
    selector = f"#{PAGES[name][1]} canvas"
    light = canvas_pixels(tab, selector)
    tab.js("() => { document.documentElement.dataset.theme = 'dark'; }")
    tab.page.wait_for_timeout(100)  # the MutationObserver redraws
    assert canvas_pixels(tab, selector) != light


@pytest.mark.parametrize("name", list(PAGES))
def test_without_javascript_the_picture_stays(open_page, name):
    page, root_id = PAGES[name]
    tab = open_page(page, java_script_enabled=False)
    assert not tab.page.locator(f"#{root_id}").is_visible()
    picture = tab.page.locator(
        f"xpath=//div[@id='{root_id}']/preceding-sibling::div"
        "[contains(@class, 'tag_widget-static')][1]"
    )
    assert picture.is_visible() and picture.locator("img").count() == 1


# ---------------------------------------------------------------- 1. step size


def test_step_size_runs_the_pages_loop(widget):
    tab = widget("stepSize")
    expected = data("step_size.json")
    for lr, w_end in expected["check"].items():
        tab.js("lr => window.nnWidgets.stepSize.set(lr)", float(lr))
        w_js = float(tab.js("() => document.getElementById('nn-step-size').dataset.wEnd"))
        assert math.isclose(w_js, w_end, rel_tol=1e-4, abs_tol=1e-6), (lr, w_js, w_end)
    # the three regimes, in the figure's own words
    limit = expected["limit"]
    for lr, words in [(0.3 * limit, "without overshooting"), (0.8 * limit, "converges"),
                      (1.2 * limit, "runs away")]:  # fmt: skip
        tab.js("lr => window.nnWidgets.stepSize.set(lr)", round(lr, 2))
        assert words in status(tab, "stepSize")
    marks = tab.page.locator("#nn-step-size .nn-mark span").all_inner_texts()
    assert marks == [f"{limit / 2:.2f}".rstrip("0"), f"{limit:.2f}".rstrip("0")] or all(
        abs(float(m) - v) < 0.006 for m, v in zip(marks, [limit / 2, limit])
    )


def test_step_size_slider_moves_with_the_keyboard(widget):
    tab = widget("stepSize")
    slider = tab.page.get_by_label("Learning rate η")
    before = float(slider.input_value())
    plots = canvas_pixels(tab, "#nn-step-size canvas")
    slider.focus()
    for _ in range(10):
        tab.page.keyboard.press("ArrowRight")
    assert math.isclose(float(slider.input_value()), before + 0.1, abs_tol=1e-9)
    assert f"Learning rate {before + 0.1:.2f}" in status(tab, "stepSize")
    assert canvas_pixels(tab, "#nn-step-size canvas") != plots


# ---------------------------------------------------------------- 2. softmax


def test_softmax_matches_pytorch(widget):
    tab = widget("softmax")
    start = data("softmax.json")
    shown = tab.js("() => window.nnWidgets.softmax.logits()")
    assert np.allclose(shown, np.round(start["logits"], 1), atol=0.051)
    rng = np.random.default_rng(0)
    for T in [1.0, 0.5, 3.0]:
        logits = np.round(rng.uniform(-8, 8, 10), 1)
        label = int(rng.integers(0, 10))
        tab.js("([z, T, y]) => window.nnWidgets.softmax.set(z, T, y)", [logits.tolist(), T, label])
        T_shown = tab.js("() => window.nnWidgets.softmax.temperature()")
        expected = torch.softmax(torch.tensor(logits, dtype=torch.float64) / T_shown, 0)
        probs = tab.js("([z, T]) => window.nnWidgets.softmax.probabilities(z, T)",
                       [logits.tolist(), T_shown])  # fmt: skip
        assert np.allclose(probs, expected.numpy(), atol=1e-12)
        loss = float(tab.js("() => document.getElementById('nn-softmax').dataset.loss"))
        assert math.isclose(loss, -math.log(expected[label].item()), rel_tol=1e-9)
        assert abs(T_shown - T) / T < 0.01  # the log slider lands within 1%


def test_softmax_presets(widget):
    tab = widget("softmax")
    tab.page.get_by_role("button", name="All logits 0").click()
    loss = float(tab.js("() => document.getElementById('nn-softmax').dataset.loss"))
    assert math.isclose(loss, math.log(10), rel_tol=1e-12)
    tab.page.get_by_role("button", name="The untrained network's logits").click()
    before = tab.js("() => window.nnWidgets.softmax.probabilities("
                    "window.nnWidgets.softmax.logits(), 1)")  # fmt: skip
    tab.page.get_by_role("button", name="Add 2 to every logit").click()
    after = tab.js("() => window.nnWidgets.softmax.probabilities("
                   "window.nnWidgets.softmax.logits(), 1)")  # fmt: skip
    if max(tab.js("() => window.nnWidgets.softmax.logits()")) < 20:  # nothing clipped at 20
        assert np.allclose(before, after, atol=1e-12)
    slider = tab.page.get_by_label("4", exact=True)
    value = float(slider.input_value())
    slider.focus()
    tab.page.keyboard.press("ArrowUp")
    assert math.isclose(float(slider.input_value()), min(20, value + 0.1), abs_tol=1e-9)


# ---------------------------------------------------------------- 3. weight scale


def test_scale_matches_the_pages_python(widget):
    tab = widget("scale")
    for check in data("scale.json")["check"]:
        shown = tab.js(
            """([start, factor]) => {
                const m = window.nnWidgets.scale.measure(start, factor);
                return {loss: m.loss, saturated1: m.saturated1, saturated2: m.saturated2};
            }""",
            [check["start"], check["factor"]],
        )
        assert math.isclose(shown["loss"], check["loss"], rel_tol=1e-4), check
        for key in ("saturated1", "saturated2"):  # a value at 0.99 may round either way
            assert abs(shown[key] - check[key]) < 1e-3, (key, check)


def test_scale_controls(widget):
    tab = widget("scale")
    assert "The draft's N(0, 1) weights × 1.000" in status(tab, "scale")
    tab.page.get_by_label("the book's scaled weights").check()
    assert "The book's scaled weights × 1.000" in status(tab, "scale")
    loss = float(tab.js("() => document.getElementById('nn-scale').dataset.loss"))
    assert abs(loss - math.log(10)) < 0.1
    slider = tab.page.get_by_label("Every weight times")
    slider.focus()
    for _ in range(77):  # 300 positions per decade: 77 more from 1 is about 1.8
        tab.page.keyboard.press("ArrowRight")
    factor = tab.js("() => window.nnWidgets.scale.factor()")
    assert math.isclose(factor, 10 ** (77 / 300), rel_tol=1e-12)
    assert f"The book's scaled weights × {factor:.3f}" in status(tab, "scale")
    last = tab.js("() => window.nnWidgets.scale.last().saturated2")
    assert last == tab.js(f"() => window.nnWidgets.scale.measure('scaled', {factor}).saturated2")


# ---------------------------------------------------------------- 4. the trainer


@pytest.fixture(scope="module")
def subset():
    images, labels, description = widgets.read_training_subset(WIDGETS)
    return images, labels, description


@pytest.mark.parametrize("start", ["scaled", "draft"])
def test_trainer_gradients_are_the_books(widget, subset, start):
    tab = widget("trainer")
    tab.page.wait_for_function("() => window.nnMLP !== undefined")
    images, labels, _ = subset
    parameters = model.initialize_scaled() if start == "scaled" else model.initialize_nn()
    parameters = [p.detach() for p in parameters]
    X, y = images[:64], labels[:64]
    loss, grads = train.short_gradients(X, y, parameters)
    result = tab.js(
        """([parameters, X, y]) => {
            const r = nnMLP.gradients(Float32Array.from(X), Uint8Array.from(y), y.length,
                                      parameters.map(p => Float64Array.from(p)));
            return {loss: r.loss, grads: r.grads.map(g => Array.from(g))};
        }""",
        [[p.flatten().tolist() for p in parameters], X.flatten().tolist(), y.tolist()],
    )
    assert math.isclose(result["loss"], loss.item(), rel_tol=1e-5)
    for grad, grad_js in zip(grads, result["grads"]):
        grad_js = torch.tensor(grad_js, dtype=torch.float64).view_as(grad)
        scale = grad.abs().max().item()
        # float32 in PyTorch, float64 in JavaScript: agreement to float32 precision
        assert (grad_js - grad.double()).abs().max().item() <= 1e-5 * scale + 1e-7


def test_trainer_run_lands_in_the_pages_band(widget, subset):
    tab = widget("trainer")
    description = subset[2]
    reference = description["reference"]
    tab.page.get_by_role("button", name="Start").click()
    # the page stays responsive while the worker trains: animation frames keep coming
    gaps = tab.js(
        """() => new Promise(resolve => {
            const gaps = []; let last = performance.now();
            function frame(now) {
                gaps.push(now - last); last = now;
                if (gaps.length < 60) requestAnimationFrame(frame); else resolve(gaps);
            }
            requestAnimationFrame(frame);
        })"""
    )
    tab.page.wait_for_function(
        "() => document.querySelector('#nn-trainer button[name=run]').textContent === 'Resume'",
        timeout=120_000,
    )
    history = tab.js("() => window.nnWidgets.trainer.history()")
    final = history[-1]
    epochs = description["epochs"]
    seconds_per_epoch = final["seconds"] / final["epoch"]
    print(
        f"browser: validation accuracy {final['valAccuracy']:.2%} after {final['epoch']:.0f} "
        f"epochs (Python: {reference['mean']:.2%} ± {reference['band']:.2%}); "
        f"{seconds_per_epoch:.2f} s per epoch; longest frame gap {max(gaps):.0f} ms"
    )
    assert math.isclose(final["epoch"], epochs)
    assert abs(final["valAccuracy"] - reference["mean"]) <= reference["band"]
    assert seconds_per_epoch <= 2.0
    assert max(gaps) < 250
    assert f"Done: {epochs} epochs" in status(tab, "trainer")


def test_trainer_shows_the_drafts_saturation_and_divergence(widget):
    tab = widget("trainer")
    tab.page.get_by_label("Initialization").select_option("draft")
    tab.page.get_by_role("button", name="Reset").click()
    tab.page.wait_for_function("() => window.nnWidgets.trainer.history().length === 1")
    start = tab.js("() => window.nnWidgets.trainer.history()[0]")
    assert start["saturated1"] > 0.5 and start["valLoss"] > math.log(10) + 5
    # a learning rate far too large: the loss stops being a number
    tab.page.get_by_label("Initialization").select_option("scaled")
    tab.js("() => window.nnWidgets.trainer.set({lr: 3, momentum: 0.99})")
    tab.page.get_by_role("button", name="Reset").click()
    tab.page.wait_for_function("() => window.nnWidgets.trainer.history().length === 1")
    tab.page.get_by_role("button", name="Start").click()
    tab.page.wait_for_function(
        "() => document.querySelector('#nn-trainer button[name=run]').getAttribute("
        "'aria-pressed') === 'false'",
        timeout=60_000,
    )
    text = status(tab, "trainer")
    final = tab.js("() => window.nnWidgets.trainer.history().slice(-1)[0]")
    assert "diverged" in text or final["valAccuracy"] < 0.5, text


def test_trainer_network_goes_to_the_recognizer(widget, subset):
    tab = widget("trainer")
    assert tab.page.get_by_role("button", name="Try it in the recognizer").is_disabled()
    tab.js("() => window.nnWidgets.trainer.set({seed: 7})")
    tab.page.get_by_role("button", name="Start").click()
    # pause after the first step has been reported (a pause before it leaves "Start", not
    # "Resume"): wait for that event, not for a time that a busy machine may not meet
    tab.page.wait_for_function("() => window.nnWidgets.trainer.history().length > 1")
    tab.page.get_by_role("button", name="Pause").click()
    tab.page.wait_for_function(
        "() => document.querySelector('#nn-trainer button[name=run]').textContent === 'Resume'"
    )
    weights = tab.js("() => window.nnWidgets.trainer.weights().then(ps => ps.map(p => "
                     "Array.from(p)))")  # fmt: skip
    with tab.page.expect_navigation():
        tab.page.get_by_role("button", name="Try it in the recognizer").click()
    assert tab.page.url.endswith("chapters/recognizer.html")
    tab.page.wait_for_function("() => window.nnRecognizer !== undefined")
    tab.js("() => window.nnRecognizer.ready.then(() => true)")
    assert tab.js("() => window.nnRecognizer.networks()") == ["book", "yours"]
    assert tab.page.get_by_label("Network", exact=True).input_value() == "yours"
    images = subset[0][:20]
    shapes = [(784, 100), (100,), (100, 100), (100,), (100, 10), (10,)]
    parameters = [torch.tensor(w, dtype=torch.float32).view(s) for w, s in zip(weights, shapes)]
    probs_py = torch.softmax(model.forward(images, parameters), 1)
    probs_js = tab.js(
        "pixels => pixels.map(p => window.nnRecognizer.predictPixels(p))", images.tolist()
    )
    assert np.allclose(probs_js, probs_py.numpy(), atol=1e-5)
    tab.page.get_by_label("Network", exact=True).select_option("book")
    other = tab.js("pixels => pixels.map(p => window.nnRecognizer.predictPixels(p))",
                   images.tolist())  # fmt: skip
    assert not np.allclose(other, probs_js, atol=1e-3)


def test_recognizer_draws_with_the_keyboard(open_page):
    tab = open_page("chapters/recognizer.html")
    tab.page.wait_for_function("() => window.nnRecognizer !== undefined")
    tab.js("() => window.nnRecognizer.ready.then(() => true)")
    canvas = tab.page.locator("#nn-recognizer .nn-canvas")
    canvas.focus()
    keyboard = tab.page.keyboard
    for _ in range(7):
        keyboard.press("ArrowUp")
    keyboard.press("Space")  # the pen goes down
    for _ in range(14):
        keyboard.press("ArrowDown")
    keyboard.press("Space")
    current = tab.js("() => window.nnRecognizer.current()")
    assert current["source"] == "drawing" and current["probs"] is not None
    assert np.argmax(current["probs"]) == 1  # a vertical stroke is a 1
    bars = tab.page.locator("#nn-recognizer .nn-bars").get_attribute("aria-label")
    assert bars.startswith("The MLP's probabilities: 0:")


def test_widget_files_stay_under_two_megabytes_per_page():
    # what each page's figure downloads, scripts and data (the theme's own files aside)
    static = SITE / "_static"
    common = ["widgets.js", "widgets.css"]
    pages = {
        "how_networks_learn": common + ["mlp.js", "widgets/step_size.json"],
        "loss": common + ["widgets/softmax.json"],
        "initialization": common + ["mlp.js", "widgets/scale.json"],
        "minibatch": common
        + ["mlp.js", "train_worker.js", "widgets/trainer.json", "widgets/subset_pixels.u8.gz",
           "widgets/subset_labels.u8"],
    }  # fmt: skip
    for page, files in pages.items():
        size = sum((static / name).stat().st_size for name in files)
        print(f"{page}: {size / 1e6:.2f} MB")
        assert size <= 2e6, page


def test_without_workers_the_trainer_says_why_and_keeps_its_picture(browser, server):
    context = browser.new_context(viewport={"width": 1280, "height": 1000})
    context.add_init_script("delete window.Worker")
    page = context.new_page()
    page.route("**/*", local_only(server, set()))
    try:
        page.goto(server + PAGES["trainer"][0])
        page.wait_for_function("() => window.nnWidgets && window.nnWidgets.trainer")
        failed = page.evaluate(
            "() => window.nnWidgets.trainer.ready.then(() => '', e => e.message)"
        )
        assert failed == "this browser has no Web Workers"
        status_text = page.locator("#nn-trainer .nn-status").inner_text()
        assert "cannot run here (this browser has no Web Workers)" in status_text
        picture = page.locator(
            "xpath=//div[@id='nn-trainer']/preceding-sibling::div"
            "[contains(@class, 'tag_widget-static')][1]"
        )
        assert picture.is_visible()
    finally:
        context.close()
