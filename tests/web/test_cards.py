"""Cards become safe HTML, their front matter becomes tidy metadata, and code is highlighted."""

from __future__ import annotations

from aicommons.web.card_render import render_card, render_markdown
from aicommons.web.highlight import highlight_file, looks_binary

HOSTILE = """---
license: mit
---
# Title <script>window.pwned = 1</script>

<img src="x.png" onerror="window.pwned = 2">
[click](javascript:window.pwned=3) <a href="JaVaScRiPt:alert(1)">mixed case</a>
<a href="data:text/html,<script>alert(1)</script>">data link</a>
<div style="position:fixed;inset:0" onclick="window.pwned = 4">raw html stays, its attributes go</div>
<iframe src="https://example.org"></iframe><object data="x"></object><form action="/x"><input></form>
<svg><script>window.pwned = 5</script></svg>
"""


def test_hostile_card_keeps_its_text_and_loses_everything_that_runs():
    html = str(render_markdown(HOSTILE.split("---\n", 2)[2], "model", "alice/m", "main"))
    lowered = html.lower()
    for needle in ("<script", "onerror", "onclick", 'href="javascript', 'href="data:', "<iframe", "<object", "<form",
                   "<input", "style=", "<svg"):
        assert needle not in lowered, needle
    assert "[click](javascript:window.pwned=3)" in html  # Markdown refuses the link and leaves plain text
    assert "raw html stays, its attributes go" in html and "mixed case" in html
    assert 'src="/alice/m/resolve/main/x.png"' in html  # the image itself survives, pointed into the repo


def test_relative_links_point_into_the_repo_at_the_revision():
    html = str(render_markdown("[config](config.json) [doc](./docs/a.md#usage) [up](../../x) ![fig](img/f.png) "
                               "[site](https://example.org) [anchor](#top)", "dataset", "acme/d", "v1"))
    assert 'href="/datasets/acme/d/blob/v1/config.json"' in html
    assert 'href="/datasets/acme/d/blob/v1/docs/a.md#usage"' in html
    assert 'src="/datasets/acme/d/resolve/v1/img/f.png"' in html
    assert 'href="https://example.org" rel="noopener noreferrer nofollow"' in html
    assert 'href="#top"' in html
    assert "../../x" not in html  # a link out of the repo is dropped


def test_front_matter_is_data_and_a_broken_block_is_reported():
    card = render_card("---\nlicense: apache-2.0\nlanguage: [en, fr]\n---\n# Hi\n", "model", "a/b", "main")
    assert card.metadata == {"license": "apache-2.0", "language": ["en", "fr"]}
    assert "license:" not in card.html and "<h1>Hi</h1>" in card.html
    broken = render_card("---\nlicense: [unclosed\n---\nbody\n", "model", "a/b", "main")
    assert broken.metadata == {} and broken.metadata_error and "body" in broken.html


def test_code_is_highlighted_with_linkable_lines_and_fenced_blocks_too():
    html = str(highlight_file("train.py", "import torch\n\ndef f():\n    return 1\n"))
    assert 'class="highlight"' in html and '<span class="kn">import</span>' in html
    assert 'id="L-3"' in html and 'href="#L-3"' in html
    card = str(render_markdown("```python\nprint('hi')\n```\n", "model", "a/b", "main"))
    assert '<span class="nb">print</span>' in card


def test_binary_detection():
    assert looks_binary(b"PK\x03\x04\x00\x00")
    assert looks_binary(b"\xff\xfe\xfa not utf-8 at all " * 10)
    assert not looks_binary("héllo wörld\n".encode())
    assert not looks_binary("é".encode() * 4000 + b"\xc3")  # a character cut at the sniffing boundary
