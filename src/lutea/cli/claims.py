"""`lutea claims [ID]`: the claims people meet about progesterone, each with its verdict and sources."""

from __future__ import annotations

from typing import Annotated

import typer

from lutea.claims import all_claims, claim_json, get_claim
from lutea.cli._common import RegionOption, clinic_region, console
from lutea.knowledge import load_knowledge
from lutea.regions import fill_contacts
from lutea.terminal import domain_errors, print_json


@domain_errors
def claims(
    claim_id: Annotated[str | None, typer.Argument(help="A claim id; omit to list every claim.")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
    region: RegionOption = None,
) -> None:
    """List the graded claims (supported, uncertain, unsupported, contradicted), or show one with
    its plain-language summary, what the sources say and where lutea links to it."""
    kb = load_knowledge()
    region_id = clinic_region(region)
    if claim_id is None:
        entries = all_claims(kb)
        if as_json:
            print_json({"knowledge_version": kb.version, "claims": [claim_json(c) for c in entries]}, region_id)
            return
        from rich.table import Table

        table = Table(title=f"lutea knowledge base {kb.version}: claims")
        table.add_column("id", overflow="fold")
        table.add_column("verdict")
        table.add_column("claim")
        for c in entries:
            table.add_row(c.id, c.verdict, c.claim)
        console.print(table)
        return
    entry = get_claim(claim_id, kb)
    if as_json:
        print_json({"knowledge_version": kb.version, "claim": claim_json(entry)}, region_id)
        return
    console.print(f"[bold]{entry.claim}[/bold]", highlight=False)
    console.print(f"verdict: {entry.verdict}", highlight=False)
    console.print(fill_contacts(entry.summary, region_id, kb), highlight=False)
    console.print(f"evidence: {entry.evidence}", highlight=False)
    console.print("sources: " + ", ".join(entry.sources), highlight=False)
    links = entry.related.model_dump()
    shown = "; ".join(f"{kind}: {', '.join(ids)}" for kind, ids in links.items() if ids)
    if shown:
        console.print(f"linked from {shown}", highlight=False)
