"""Builds relance_avancee/README.rst from the readme/ fragments (OCA layout)."""

import pathlib
import re

MODULE = pathlib.Path(__file__).resolve().parent.parent / "relance_avancee"
SECTIONS = [
    ("DESCRIPTION", None),
    ("CONFIGURE", "Configuration"),
    ("USAGE", "Usage"),
    ("ROADMAP", "Known issues / Roadmap"),
    ("CONTRIBUTORS", "Contributors"),
]


def md_to_rst(text):
    # The fragments use the Markdown subset that reads the same in reStructuredText,
    # except inline code and images (a line of their own).
    text = re.sub(r"(?<!`)`([^`]+)`(?!`)", r"``\1``", text)
    return re.sub(r"(?m)^!\[([^\]]*)\]\(([^)]+)\)$", r".. image:: \2\n   :alt: \1", text)


def build():
    manifest = eval((MODULE / "__manifest__.py").read_text())  # noqa: S307 - our own file
    title = manifest["name"]
    out = ["=" * len(title), title, "=" * len(title), ""]
    license_badge = manifest["license"].replace("-", "--")
    out += [
        f".. |badge1| image:: https://img.shields.io/badge/license-{license_badge}-blue.png",
        "    :alt: License",
        "",
        "|badge1|",
        "",
    ]
    for name, heading in SECTIONS:
        path = MODULE / "readme" / f"{name}.md"
        if not path.exists():
            continue
        if heading:
            out += [heading, "=" * len(heading), ""]
        out += [md_to_rst(path.read_text()).rstrip(), ""]
    (MODULE / "README.rst").write_text("\n".join(out))


if __name__ == "__main__":
    build()
