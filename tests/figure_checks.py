"""What every figure must show honestly, as checks the figure tests share.

``tick_label_errors(fig)``: every numeric tick label must equal its tick's value as drawn: a tick at
0.175 on an axis of shares in percent reads "17.5%", not "18%"; on a plain axis 1,250 reads "1,250" or
"1250", not "1.2e+03" unless the axis states the scale (matplotlib's offset text). Labels that are not
numbers (arms, months by name) are left alone.
"""

from __future__ import annotations

import math
import re

from matplotlib.ticker import LogFormatter, PercentFormatter, ScalarFormatter

_POWER = re.compile(r"^(-?\d+(?:\.\d+)?)?\s*(?:\\times|×)?\s*10\^\{?(-?\d+)\}?$")


def parse_number(text: str) -> float | None:
    """The number a tick label shows ("17.5%" -> 17.5, "1,250" -> 1250, "−3" -> -3, "$10^{3}$" -> 1000), or
    None for a label that is not a number."""
    t = text.strip().replace("\u2212", "-").replace("$", "").replace("\\mathdefault", "").replace("{", "").replace(
        "}", "").replace(",", "").replace("%", "").strip()
    if not t:
        return None
    m = _POWER.match(t.replace("^", "^{").replace("{{", "{") + ("}" if "^" in t else "")) if "^" in t else None
    if m:
        base = float(m.group(1)) if m.group(1) else 1.0
        return base * 10.0 ** int(m.group(2))
    t = t.lstrip("+")
    try:
        return float(t)
    except ValueError:
        return None


def _scale_and_offset(axis) -> tuple[float, float]:
    """What the axis's offset text says the labels omit: "1e6" (labels in millions) or "+1.5e3" (an offset)."""
    text = axis.get_offset_text().get_text()
    if not text.strip():
        return 1.0, 0.0
    t = text.strip().replace("\u2212", "-")
    number = parse_number(t.lstrip("+-").replace("\\times", "").replace("×", "").strip())
    if number is None:
        return 1.0, 0.0
    if t[0] in "+-":
        return 1.0, number if t[0] == "+" else -number
    return number, 0.0


def _shown(axis, loc: float, label: str) -> float:
    """What a label of ``axis`` must read at tick ``loc``, in the label's own scale."""
    formatter = axis.get_major_formatter()
    if isinstance(formatter, PercentFormatter):
        return loc * 100.0 / formatter.xmax
    if label.strip().endswith("%"):
        return loc * 100.0
    if isinstance(formatter, ScalarFormatter) and not isinstance(formatter, LogFormatter):
        scale, offset = _scale_and_offset(axis)
        return (loc - offset) / scale
    return loc


def tick_label_errors(fig) -> list[str]:
    """Every tick label of ``fig`` that does not equal its tick's value, as "axes title: x 0.175 labelled '18%'"."""
    if type(fig.canvas).__name__ == "FigureCanvasBase":  # a bare Figure(): drawing it would fill in no label
        from matplotlib.backends.backend_agg import FigureCanvasAgg

        FigureCanvasAgg(fig)
    fig.canvas.draw()
    errors = []
    for ax in fig.axes:
        for name, axis, limits in (("x", ax.xaxis, ax.get_xlim()), ("y", ax.yaxis, ax.get_ylim())):
            if axis.get_scale() not in ("linear", "log"):
                continue
            low, high = sorted(limits)
            for tick in axis.get_major_ticks():
                loc, label = tick.get_loc(), tick.label1.get_text()
                if not tick.label1.get_visible() or not label or not (low - 1e-12 <= loc <= high + 1e-12):
                    continue
                shown = parse_number(label)
                if shown is None:
                    continue
                expected = _shown(axis, loc, label)
                if not math.isclose(shown, expected, rel_tol=1e-6, abs_tol=1e-9):
                    errors.append(f"{ax.get_title() or ax.get_ylabel() or 'axes'}: {name} {loc:g} labelled {label!r}")
    return errors
