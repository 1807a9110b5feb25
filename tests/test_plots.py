import matplotlib

matplotlib.use("Agg")  # tests only: no display

import matplotlib.pyplot as plt  # noqa: E402
import torch  # noqa: E402

from nnbook import plots  # noqa: E402


def test_plot_digits_draws_each_image_with_its_label():
    images = torch.rand(12, 784)
    fig = plots.plot_digits(images, list(range(12)), ncols=5)
    drawn = [ax for ax in fig.axes if ax.images]
    assert len(fig.axes) == 15 and len(drawn) == 12
    assert [ax.get_title() for ax in drawn] == [str(i) for i in range(12)]
    assert drawn[3].images[0].get_array().shape == (28, 28)
    plt.close(fig)


def test_draw_mlp_labels_layers_and_classes():
    fig = plots.draw_mlp()
    texts = [t.get_text() for t in fig.axes[0].texts]
    assert "input\n784 neurons" in texts and "output\n10 neurons" in texts
    assert [str(d) for d in range(10)] == [t for t in texts if t.isdigit()]
    plt.close(fig)


def test_plot_loss_plots_every_epoch():
    fig = plots.plot_loss([3.0, 2.0, 1.5], label="run")
    (line,) = fig.axes[0].lines
    assert list(line.get_xdata()) == [0, 1, 2] and list(line.get_ydata()) == [3.0, 2.0, 1.5]
    plt.close(fig)


def test_plot_weights_draws_each_column_with_its_own_symmetric_range():
    W = torch.zeros(784, 3)
    W[0, 0], W[5, 1], W[9, 2] = 2.0, -0.5, 0.1
    fig, axes = plt.subplots(1, 3)
    plots.plot_weights(W, ["a", "b", "c"], axes)
    limits = [ax.images[0].get_clim() for ax in axes]
    for (low, high), largest in zip(limits, [2.0, 0.5, 0.1]):
        assert abs(low + largest) < 1e-6 and abs(high - largest) < 1e-6
    assert [ax.get_title() for ax in axes] == ["a", "b", "c"]
    assert axes[1].images[0].get_array()[0, 5] == -0.5  # pixel 5: row 0, column 5
    plt.close(fig)
