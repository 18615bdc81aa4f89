"""`lutea evidence [ID]`: the sources of the knowledge base and what cites them."""

from __future__ import annotations

from typing import Annotated

import typer

from lutea.cli._common import console
from lutea.knowledge import load_knowledge
from lutea.terminal import fail, print_json


def evidence(
    source_id: Annotated[str | None, typer.Argument(help="A source id; omit to list all sources.")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """List the knowledge base's sources, or show one and every entry that cites it."""
    kb = load_knowledge()
    if source_id is None:
        rows = [s.model_dump(mode="json") for s in kb.sources.values()]
        if as_json:
            print_json({"knowledge_version": kb.version, "sources": rows})
            return
        from rich.table import Table

        table = Table(title=f"lutea knowledge base {kb.version}: sources")
        for column in ("id", "kind", "year", "title"):
            table.add_column(column)
        for s in kb.sources.values():
            table.add_row(s.id, s.kind.value, str(s.year), s.title)
        console.print(table)
        return
    if source_id not in kb.sources:
        fail(f"source: unknown source id {source_id!r}; run `lutea evidence` for the list")
    source = kb.sources[source_id]
    cited_by = [{"section": c.section, "id": c.entry_id} for c in kb.citing(source_id)]
    if as_json:
        print_json({"knowledge_version": kb.version, "source": source.model_dump(mode="json"), "cited_by": cited_by})
        return
    console.print(f"[bold]{source.id}[/bold] ({source.kind.value}, {source.year})")
    console.print(source.title)
    console.print(source.authors)
    console.print(source.url)
    if source.note:
        console.print(source.note)
    console.print(f"cited by {len(cited_by)} entries:")
    for c in cited_by:
        console.print(f"  {c['section']}: {c['id']}")
