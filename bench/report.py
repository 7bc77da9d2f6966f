"""Where benchmarks write their results: one section per benchmark in docs/benchmarks.md,
between ``<!-- NAME:start -->`` and ``<!-- NAME:end -->``; a run replaces only the results
block inside it (``<!-- NAME:results:start/end -->``) and keeps the hand-written analysis."""

from __future__ import annotations

from pathlib import Path

DOC = Path(__file__).resolve().parents[1] / "docs" / "benchmarks.md"
HEADER = ("# Benchmarks\n\nMeasurements of the tryon backend; each section belongs to one "
          "benchmark and says how to re-run it.\n")


def write_section(name: str, title: str, results: str, path: Path = DOC) -> None:
    section_start, section_end = f"<!-- {name}:start -->", f"<!-- {name}:end -->"
    start, end = f"<!-- {name}:results:start -->", f"<!-- {name}:results:end -->"
    block = f"{start}\n{results}\n{end}"
    text = path.read_text() if path.exists() else HEADER
    if section_start in text and section_end in text:
        head, rest = text.split(section_start, 1)
        section, tail = rest.split(section_end, 1)
        if start in section and end in section:
            before, after = section.split(start, 1)
            section = before + block + after.split(end, 1)[1]
        else:
            section = section.rstrip("\n") + "\n\n" + block + "\n"
        text = head + section_start + section + section_end + tail
    else:
        text = (text.rstrip("\n") + f"\n\n{section_start}\n## {title}\n\n"
                f"`.venv/bin/python bench/{name}.py` (see its docstring).\n\n"
                f"{block}\n{section_end}\n")
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
