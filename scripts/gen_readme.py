"""Builds each module's README.rst from its readme/ fragments (OCA layout):
relance_avancee, relance_avancee_queue_job and relance_avancee_snailmail."""

import pathlib
import re

ROOT = pathlib.Path(__file__).resolve().parent.parent
MODULES = [
    ROOT / "relance_avancee",
    ROOT / "relance_avancee_queue_job",
    ROOT / "relance_avancee_snailmail",
]
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


def build(module):
    manifest = eval((module / "__manifest__.py").read_text())  # noqa: S307 - our own file
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
        path = module / "readme" / f"{name}.md"
        if not path.exists():
            continue
        if heading:
            out += [heading, "=" * len(heading), ""]
        out += [md_to_rst(path.read_text()).rstrip(), ""]
    (module / "README.rst").write_text("\n".join(out))


if __name__ == "__main__":
    for module in MODULES:
        build(module)
