"""Extractive fallback: which lines of a passage answer the query, in which order."""

from __future__ import annotations

from assist.answering import extractive_answer
from assist.extractive import extract, format_extract, query_terms
from assist.results import Query
from tests.helpers.fakes import doc_hit, search_result

ARTICLE = """\
Passwords must be at least 12 characters long.

## Reset your password

To reset your password:
1. Open Settings > Security.
2. Click Reset password.
3. Check your inbox for the reset link.

## Two-factor authentication

- Install an authenticator app.
- Scan the QR code in Settings > Security.
"""


def test_the_matching_procedure_is_kept_whole_and_in_order() -> None:
    ex = extract(ARTICLE, "how do I reset my password")
    assert ex.steps and ex.matched
    assert ex.lines == (
        "Open Settings > Security.",
        "Click Reset password.",
        "Check your inbox for the reset link.",
    )


def test_the_other_list_wins_for_its_own_query() -> None:
    ex = extract(ARTICLE, "set up two-factor authenticator app")
    assert ex.steps
    assert ex.lines[0] == "Install an authenticator app."
    assert len(ex.lines) == 2


def test_long_procedures_are_cut_after_max_steps() -> None:
    text = "To reset:\n" + "\n".join(f"{i}. Click reset button {i}." for i in range(1, 15))
    ex = extract(text, "reset", max_steps=5)
    assert ex.lines == tuple(f"Click reset button {i}." for i in range(1, 6))


def test_prose_prefers_imperative_sentences_sharing_query_terms() -> None:
    text = (
        "Our company was founded in 2010. Invoices are emailed on the first of each month. "
        "Download past invoices from the Billing page. The weather is nice. "
        "Contact us if an invoice is missing."
    )
    ex = extract(text, Query(text="where can I download my invoices", terms=("download", "invoices")))
    assert not ex.steps and ex.matched
    assert ex.lines[0] == "Invoices are emailed on the first of each month."  # document order kept
    assert "Download past invoices from the Billing page." in ex.lines
    assert "Our company was founded in 2010." not in ex.lines
    assert "The weather is nice." not in ex.lines


def test_no_overlap_falls_back_to_the_opening() -> None:
    ex = extract("Alpha one. Beta two. Gamma three. Delta four.", "refund policy", max_sentences=2)
    assert not ex.matched
    assert ex.lines == ("Alpha one.", "Beta two.")


def test_empty_passage() -> None:
    ex = extract("  \n## Only a heading\n", "anything")
    assert ex.lines == () and not ex.matched
    assert format_extract(ex, lead="From x") == "From x [1]:"


def test_query_terms_fold_suffixes_and_drop_stopwords() -> None:
    assert query_terms("How do I reset my passwords?") == {"reset", "password"}
    assert "reset" in query_terms(Query(text="", terms=("resetting",)))


def test_format_extract() -> None:
    ex = extract(ARTICLE, "reset password")
    assert format_extract(ex, lead="From “Passwords”") == (
        "From “Passwords” [1]:\n1. Open Settings > Security.\n2. Click Reset password.\n"
        "3. Check your inbox for the reset link."
    )
    prose = extract("Invoices are monthly. Download them in Billing.", "download invoices")
    assert format_extract(prose, cite=None) == "- Invoices are monthly.\n- Download them in Billing."


def test_extractive_answer_cites_the_top_passage() -> None:
    res = search_result(
        doc_hit(1, "Passwords", ARTICLE, heading="Reset your password", url="https://kb/pw"),
        doc_hit(2, "Other", "Unrelated text."),
        query="reset password",
    )
    answer = extractive_answer(res)
    assert answer.extractive and answer.verified and not answer.abstained
    assert answer.text.startswith("From “Passwords — Reset your password” [1]:\n1. Open Settings > Security.")
    assert [(c.n, c.title, c.url) for c in answer.citations] == [(1, "Passwords", "https://kb/pw")]


def test_focused_extract_undoes_wraps_reads_tables_and_skips_what_the_ticket_says() -> None:
    from assist.extractive import extract_focused
    from assist.results import Query

    wrapped = (
        "Exchanges (for example E27 to E26 bulbs) ship as\nsoon as the returned item is scanned.\n"
        "Owner: Rina Patel · Last edited time: October 28 · Tags: Returns · Status: Published"
    )
    table = "| Symptom | Cause |\n| --- | --- |\n| Flicker when dimmed | Wall dimmer switch |"
    screen = (
        "The app shows this message:\nYour Lumen Hub hasn't checked in since Nov 18 at 9:14 PM.\n"
        "Unplug the hub."
    )
    query = Query(
        text="My Lumen Hub hasn't checked in since Nov 18 at 9:14 PM; bulbs flicker when dimmed; "
        "returned bulbs",
        terms=("hub", "flicker", "dimmed", "returned", "bulbs", "checked", "unplug"),
    )
    blocks = extract_focused([(1, wrapped), (2, table), (3, screen)], query)
    lines = {b.n: b.extract.lines for b in blocks}
    assert lines[1] == (
        "Exchanges (for example E27 to E26 bulbs) ship as soon as the returned item is scanned.",
    )
    assert lines[2] == ("Flicker when dimmed — Wall dimmer switch",)
    assert 3 not in lines or all("9:14" not in line for line in lines[3])  # the customer's own screen text
