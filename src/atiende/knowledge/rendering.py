"""An article's Markdown as safe HTML: the replies' subset (core.sanitize) plus images, whose
address must be one of the knowledge base's own attachments (served through the one access
rule); any other image source is dropped."""

from __future__ import annotations

import re

import markdown
import nh3
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from atiende.core.sanitize import (
    ALLOWED_ATTRIBUTES,
    ALLOWED_TAGS,
    MAX_TAG_DEPTH,
    URL_SCHEMES,
    tag_depth,
)

OWN_IMAGE = re.compile(r"^/kb/attachments/[0-9]{1,19}/(?:preview/)?$")


def _attribute(tag: str, attribute: str, value: str) -> str | None:
    if tag == "img" and attribute == "src" and not OWN_IMAGE.match(value):
        return None
    return value


def render(text: str) -> SafeString:
    html = markdown.markdown(text or "", extensions=["extra", "sane_lists"])
    if tag_depth(html) > MAX_TAG_DEPTH:
        return mark_safe("<p>" + escape(text) + "</p>")  # noqa: S308 - escaped
    cleaned = nh3.clean(
        html,
        tags=ALLOWED_TAGS | {"img"},
        attributes={**ALLOWED_ATTRIBUTES, "img": {"src", "alt", "title"}},
        attribute_filter=_attribute,
        url_schemes=URL_SCHEMES,
        link_rel="noopener noreferrer nofollow",
        strip_comments=True,
    )
    return mark_safe(cleaned)  # noqa: S308 - cleaned by nh3 just above
