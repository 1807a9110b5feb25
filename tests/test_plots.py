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
