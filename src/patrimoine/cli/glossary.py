"""Commands over the business glossary: add, update, list, show, link, unlink, suggest, load-starter."""

from __future__ import annotations

from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Column, Table

from patrimoine.cli.context import JSON_OPTION, platform
from patrimoine.cli.output import emit
from patrimoine.glossary import STATUSES, Term, TermLink

app = typer.Typer(
    help="The business glossary: terms with definitions, synonyms and acronyms, linked to columns. "
    "Synonyms enrich search (TVA finds 'taxe sur la valeur ajoutée').",
    no_args_is_help=True,
    rich_markup_mode=None,
)
SLUG = typer.Argument(help="The term's slug, e.g. tva.")
TABLE = typer.Argument(help="NAMESPACE.NAME")
COLUMN = typer.Argument(help="Column name (SQL or original).")
BY = typer.Option("--by", help="Who decides (default: PATRIMOINE_USER or the system user).")


@app.command()
def add(
    ctx: typer.Context,
    label: Annotated[str, typer.Argument(help="French label, e.g. 'taxe sur la valeur ajoutée'.")],
    definition: Annotated[str, typer.Option("--definition", "-d", help="Definition (required).")],
    slug: Annotated[str | None, typer.Option(help="Identifier; default: made from the label.")] = None,
    synonym: Annotated[list[str] | None, typer.Option("--synonym", "-s", help="Synonym (repeat).")] = None,
    acronym: Annotated[list[str] | None, typer.Option("--acronym", "-a", help="Acronym (repeat).")] = None,
    parent: Annotated[str | None, typer.Option(help="Slug of the broader term.")] = None,
    owner: Annotated[str | None, typer.Option(help="Owner's e-mail.")] = None,
    as_json: Annotated[bool, JSON_OPTION] = False,
) -> None:
    """Add a term (as a draft); every dataset is reindexed with its synonyms."""
    with platform(ctx) as p:
        term = p.glossary.add(
            label, definition, slug=slug, synonyms=synonym, acronyms=acronym, parent=parent, owner=owner
        )
    emit(term, as_json, lambda c: render_term(c, term))


@app.command()
def update(
    ctx: typer.Context,
    slug: Annotated[str, SLUG],
    label: Annotated[str | None, typer.Option(help="New label.")] = None,
    definition: Annotated[str | None, typer.Option("--definition", "-d", help="New definition.")] = None,
    synonym: Annotated[
        list[str] | None, typer.Option("--synonym", "-s", help="Synonym (repeat; replaces the list).")
    ] = None,
    acronym: Annotated[
        list[str] | None, typer.Option("--acronym", "-a", help="Acronym (repeat; replaces the list).")
    ] = None,
    parent: Annotated[str | None, typer.Option(help="Slug of the broader term ('' removes it).")] = None,
    owner: Annotated[str | None, typer.Option(help="Owner's e-mail.")] = None,
    status: Annotated[str | None, typer.Option(help="draft or approved (approval needs an owner).")] = None,
    as_json: Annotated[bool, JSON_OPTION] = False,
) -> None:
    """Edit a term (all or nothing); approve it with --status approved."""
    given = {"label": label, "definition": definition, "synonyms": synonym, "acronyms": acronym,
             "parent": parent, "owner": owner, "status": status}  # fmt: skip
    changes: dict[str, Any] = {k: v for k, v in given.items() if v is not None}
    with platform(ctx) as p:
        term = p.glossary.update(slug, **changes)
    emit(term, as_json, lambda c: render_term(c, term))


@app.command("list")
def list_(
    ctx: typer.Context,
    status: Annotated[str | None, typer.Option(help="Only terms with this status: " + ", ".join(STATUSES))] = None,
    as_json: Annotated[bool, JSON_OPTION] = False,
) -> None:
    """List the glossary's terms."""
    with platform(ctx) as p:
        terms = p.glossary.list(status)
    table = Table("slug", "label", "acronyms", "synonyms", "parent", "status", "owner")
    for t in terms:
        table.add_row(t.slug, t.label, ", ".join(t.acronyms), ", ".join(t.synonyms), t.parent or "", t.status,
                      t.owner or "")  # fmt: skip
    emit(terms, as_json, lambda c: c.print(table))


@app.command()
def show(ctx: typer.Context, slug: Annotated[str, SLUG], as_json: Annotated[bool, JSON_OPTION] = False) -> None:
    """Show a term: definition, forms, parent and children, and its links to columns."""
    with platform(ctx) as p:
        term = p.glossary.get(slug)
    emit(term, as_json, lambda c: render_term(c, term))


@app.command()
def link(
    ctx: typer.Context,
    slug: Annotated[str, SLUG],
    table: Annotated[str, TABLE],
    column: Annotated[str, COLUMN],
    reject: Annotated[bool, typer.Option("--reject", help="Reject the link: never suggested again.")] = False,
    reason: Annotated[str | None, typer.Option(help="Why (kept with the decision).")] = None,
    by: Annotated[str | None, BY] = None,
    as_json: Annotated[bool, JSON_OPTION] = False,
) -> None:
    """Link a term to a column, accepting the suggestion if there is one; or reject it with --reject."""
    with platform(ctx) as p:
        decide = p.glossary.reject if reject else p.glossary.link
        found = decide(slug, table, column, by=by, reason=reason)
    emit(found, as_json, lambda c: c.print(links_table([found])))


@app.command()
def unlink(
    ctx: typer.Context,
    slug: Annotated[str, SLUG],
    table: Annotated[str, TABLE],
    column: Annotated[str, COLUMN],
    as_json: Annotated[bool, JSON_OPTION] = False,
) -> None:
    """Remove a link and its decision (a matching term may be suggested again; use link --reject to prevent it)."""
    with platform(ctx) as p:
        p.glossary.unlink(slug, table, column)
    result = {"term": slug, "table": table, "column": column, "unlinked": True}
    emit(result, as_json, lambda c: c.print(f"unlinked {slug} from {table} {column}", markup=False))


@app.command()
def suggest(
    ctx: typer.Context,
    table: Annotated[str | None, typer.Argument(help="NAMESPACE.NAME (default: every dataset).")] = None,
    as_json: Annotated[bool, JSON_OPTION] = False,
) -> None:
    """Suggest links by matching terms against column names and descriptions; list those awaiting review."""
    with platform(ctx) as p:
        found = p.glossary.suggest(table)
    emit(found, as_json, lambda c: c.print(links_table(found, "suggestions: accept with `glossary link`")))


@app.command("load-starter")
def load_starter(ctx: typer.Context, as_json: Annotated[bool, JSON_OPTION] = False) -> None:
    """Add the shipped starter glossary (~40 terms of the ministry's domains, as drafts); idempotent."""
    with platform(ctx) as p:
        added = p.glossary.load_starter()
    emit({"added": added}, as_json, lambda c: c.print(f"{len(added)} terms added", markup=False))


def links_table(found: list[TermLink], title: str | None = None) -> Table:
    # Names are meant to be copied into the next command: never cut them.
    names = (Column(h, no_wrap=True) for h in ("term", "table", "column", "status"))
    table = Table(*names, "origin", "reason", "decided", title=title)
    for x in found:
        decided = f"{x.decided_by} {x.decided_at:%Y-%m-%d %H:%M}" if x.decided_at else ""
        table.add_row(x.term, x.table, x.column, x.status, x.origin, x.reason or "", decided)
    return table


def render_term(c: Console, t: Term) -> None:
    c.print(f"[bold]{t.label}[/bold]  ({t.slug}, {t.status})")
    for label, value in [
        ("definition", t.definition),
        ("acronyms", ", ".join(t.acronyms)),
        ("synonyms", ", ".join(t.synonyms)),
        ("parent", t.parent),
        ("children", ", ".join(t.children)),
        ("owner", t.owner),
    ]:
        if value:
            c.print(f"  {label}: {value}", markup=False)
    if t.links:
        c.print(links_table(t.links))


def register(root: typer.Typer) -> None:
    root.add_typer(app, name="glossary")
