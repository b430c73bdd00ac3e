#!/usr/bin/env python3
"""Write the roll-up table of every report.json below a published folder into its README.md,
between the markers <!-- rollups --> and <!-- /rollups --> (appended when absent), so that the
README states exactly what the reports say (tests/it/published_reports.rs checks it)."""
import json, pathlib, sys

START, END = "<!-- rollups -->", "<!-- /rollups -->"

def table(folder: pathlib.Path) -> str:
    rows = ["| Report | Profile | Result |", "|---|---|---|"]
    for report in sorted(folder.rglob("report.json")):
        rel = report.parent.relative_to(folder).as_posix() or "."
        for p in json.loads(report.read_text())["profiles"]:
            rows.append(f"| `{rel}` | `{p['name']}` | **{p['result']}** |")
    return "\n".join(rows)

for arg in sys.argv[1:]:
    folder = pathlib.Path(arg)
    readme = folder / "README.md"
    text = readme.read_text() if readme.exists() else f"# {folder.name}\n"
    block = f"{START}\n{table(folder)}\n{END}"
    if START in text and END in text:
        head, rest = text.split(START, 1)
        text = head + block + rest.split(END, 1)[1]
    else:
        text = text.rstrip("\n") + "\n\n## Roll-ups\n\n" + block + "\n"
    readme.write_text(text)
