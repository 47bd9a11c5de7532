"""What every figure shares: the layout and the conversion to a JSON-ready dict."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import plotly
import plotly.graph_objects as go
import plotly.io as pio

#: The plotly.js that draws these figures, from the installed plotly package (no CDN):
#: the dashboard serves it, the tearsheet inlines it.
PLOTLY_JS = Path(plotly.__file__).parent / "package_data" / "plotly.min.js"

#: 95 % two-sided normal quantile for beta confidence intervals.
Z_95 = 1.959963984540054


def figure_json(fig: go.Figure) -> Any:
    """The figure with the house layout (tight margins, transparent background, legend
    below), as the dict plotly.js draws."""
    fig.update_layout(
        margin={"l": 50, "r": 20, "t": 30, "b": 40},
        paper_bgcolor="rgba(0,0,0,0)",
        plot_bgcolor="rgba(0,0,0,0)",
        legend={"orientation": "h"},
    )
    return json.loads(pio.to_json(fig))
