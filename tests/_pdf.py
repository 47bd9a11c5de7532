"""Pages of a PDF without a PDF library: its page objects, checked against the page
tree's ``/Count`` (Chromium writes neither in compressed object streams)."""

from __future__ import annotations

import re


def pdf_pages(pdf: bytes) -> int:
    """The number of pages of ``pdf``; fails when the page objects and the page tree's
    count disagree (a truncated or unexpected file)."""
    assert pdf.startswith(b"%PDF-"), pdf[:20]
    assert pdf.rstrip().endswith(b"%%EOF"), pdf[-20:]
    objects = len(re.findall(rb"/Type\s*/Page(?![A-Za-z])", pdf))
    trees = re.findall(rb"/Type\s*/Pages\s*/Count\s+(\d+)", pdf)
    assert len(trees) == 1, trees
    assert objects == int(trees[0]), (objects, trees)
    return objects
