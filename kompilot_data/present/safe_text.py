"""User text shown as text: escaping for Streamlit's Markdown (and for HTML).

Anything a user or a file supplied – an offer title, a provider, a file name, a cell value inside an error
message – must never be *rendered*: ``**bold**`` stays two asterisks, ``[link](…)`` stays brackets, and
``![x](https://tracker.example/pixel.png)`` never makes the browser fetch a remote image.

Use :func:`plain` for text passed to ``st.markdown``, ``st.caption``, ``st.error``/``st.warning``/``st.info``/
``st.success``, widget labels and ``st.metric`` labels; :func:`plain_lines` for several lines that must stay
separate lines; :func:`html_text` for text placed in HTML (plotly hover templates and labels, the standalone
handout).
"""

from __future__ import annotations

import html
import re

# Escaped with a backslash wherever they can start markup (CommonMark lets a backslash escape any ASCII
# punctuation character), so emphasis, code, links and images, autolinks (<…>), raw HTML, tables,
# strikethrough, $maths$, entities (&amp;) and headings never render:
_ALWAYS = re.compile(r"([\\`*{}\[\]<>|~$&!#])")
# An underscore inside a word (antall_deltakere) can neither open nor close emphasis; others are escaped.
_UNDERSCORE = re.compile(r"(?<!\w)_|_(?!\w)")
# Streamlit's :colour[…] directives, :material/…: icons and :emoji: codes, and URL schemes (http://) that GFM
# would turn into links: a colon followed by a letter, a digit or a slash.
_COLON = re.compile(r":(?=[A-Za-z0-9/])")
# GFM's literal autolinks (http://…, https://…, ftp://…, www.…) are found in the text *after* Markdown escapes
# are resolved, so a backslash cannot stop them: a zero-width space (U+200B) after the scheme's colon or after
# "www" does. The text looks the same; nothing becomes a link.
_ZERO_WIDTH_SPACE = "\u200b"
_SCHEME = re.compile(r"(?i)\b(https?|ftp)(\\?:)(?=//)")
_WWW = re.compile(r"(?i)(?<![\w.])(www)(?=\.)")
# Lists, setext headings and block quotes at the start of a line.
_LINE_START = re.compile(r"(?m)^([ \t]*)([-+=]|\d+(?=[.)]))")


def plain(text: object) -> str:
    """``text`` escaped so that ``st.markdown`` (and every Streamlit element that renders Markdown) shows it
    as written: no emphasis, links, images, HTML, directives or maths (a zero-width space after "http:" and
    "www" keeps GFM from turning addresses into links). Line breaks stay line breaks
    (a single one renders as a space, as in Markdown). Ordinary punctuation (, . : ; ' " ? / @) is left as it
    is where it cannot start markup, so messages read the same in the Markdown source; an e-mail address
    may still show as a mailto link (nothing is fetched).
    """
    text = _ALWAYS.sub(r"\\\1", str(text))
    text = _UNDERSCORE.sub(r"\\_", text)
    text = _COLON.sub(r"\\:", text)
    text = _SCHEME.sub(lambda m: m.group(1) + m.group(2) + _ZERO_WIDTH_SPACE, text)
    text = _WWW.sub(lambda m: m.group(1) + _ZERO_WIDTH_SPACE, text)
    return _LINE_START.sub(
        lambda m: m.group(1) + ("\\" + m.group(2) if not m.group(2)[0].isdigit() else m.group(2) + "\\"), text
    )


def plain_lines(lines: list[str] | str) -> str:
    """Several lines of user text, each escaped, shown as separate lines (paragraphs) in Markdown."""
    if isinstance(lines, str):
        lines = lines.splitlines()
    return "\n\n".join(plain(line) for line in lines)


def html_text(text: object) -> str:
    """``text`` escaped for HTML (``<``, ``>``, ``&``, quotes), e.g. for plotly labels and hover text."""
    return html.escape(str(text), quote=True)
