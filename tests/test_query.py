"""Query building: what an agent would skim past is dropped, what they'd search for is kept."""

from __future__ import annotations

from datetime import UTC, datetime

from assist.query import build_query, clean_message, fts_query, query_from_ticket
from assist.tickets import Message, Ticket


def test_greeting_signature_and_quoted_history_are_dropped() -> None:
    body = (
        "Hi team,\n\nMy hub shows a red light since the update.\n\nThanks,\nMaria Gonzalez\n"
        "Senior Engineer\n\nOn Tue, 12 Nov 2026 at 10:02, Lumen Support <help@example.com> wrote:\n"
        "> Did you try restarting the router?\n> Regards"
    )
    cleaned = clean_message(body)
    assert cleaned == "My hub shows a red light since the update."


def test_quoted_lines_and_dash_signature_are_dropped() -> None:
    body = "> earlier reply\nThe bulb buzzes when dimmed.\n-- \nSent from my phone\n+1 555 0100"
    assert clean_message(body) == "The bulb buzzes when dimmed."


def test_greeting_only_strips_the_greeting_not_the_sentence() -> None:
    assert clean_message("Hallo, I write float factor = 0,75; in my sketch") == (
        "I write float factor = 0,75; in my sketch"
    )
    assert clean_message("Hello the app crashes when I open scenes").startswith("Hello the app crashes")


def test_order_numbers_emails_and_urls_are_noise() -> None:
    q = build_query(
        "Package not delivered",
        "Order #4471902 shows delivered. Tracking 1Z999AA10123456784. Mail me at jo@example.com, "
        "see https://track.example.com/x?id=99",
    )
    for noise in ("4471902", "1Z999AA10123456784", "jo@example.com", "track.example.com"):
        assert noise not in q.text
    assert "delivered" in q.terms and "package" in q.terms


def test_pasted_error_messages_are_kept_verbatim_for_the_lexical_side() -> None:
    q = build_query(
        "Upload fails",
        "I get 'avrdude: stk500_recv(): programmer is not responding' and then\n"
        "dfu-util: Error during download get_status (LIBUSB_ERROR_PIPE)\nWhat now?",
    )
    assert "avrdude: stk500_recv(): programmer is not responding" in q.phrases
    assert "dfu-util: Error during download get_status (LIBUSB_ERROR_PIPE)" in q.phrases
    assert "LIBUSB_ERROR_PIPE" in q.phrases
    expr = fts_query(q)
    assert '"dfu-util: Error during download get_status (LIBUSB_ERROR_PIPE)"' in expr
    assert " OR " in expr


def test_quoted_screen_text_with_a_model_name_is_a_phrase_but_quoted_opinions_are_not() -> None:
    q = build_query(
        "Board gone",
        "Device Manager lists it as 'ATmega16U2 DFU' and the IDE shows \"ESP32S3 Dev Module\". "
        "My colleague said it was 'really easy to set up' and 'worth every penny'.",
    )
    assert "ATmega16U2 DFU" in q.phrases
    assert "ESP32S3 Dev Module" in q.phrases
    assert not any("easy" in p or "penny" in p for p in q.phrases)


def test_error_codes_are_phrases_and_subject_is_the_focus() -> None:
    q = build_query("App says E-104 Hub offline", "since we changed the router")
    assert "E-104" in q.phrases
    assert q.focus[:3] == ("app", "says", "e-104") or "hub" in q.focus
    assert "router" in q.terms and "router" not in q.focus


def test_ticket_query_uses_customer_messages_not_internal_notes() -> None:
    now = datetime(2026, 11, 20, tzinfo=UTC)
    ticket = Ticket(
        id="7",
        subject="Refund please",
        status="open",
        provider="demo",
        messages=(
            Message(
                "1", "Ann", "customer", "Hi,\nI want my money back for the yearly plan.\nBest,\nAnn", now
            ),
            Message("2", "Bob", "agent", "Checking the refund policy for Plus.", now, public=True),
            Message("3", "Bob", "agent", "INTERNAL: customer is a VIP escalate", now, public=False),
        ),
    )
    q = query_from_ticket(ticket)
    assert "money" in q.terms and "yearly" in q.terms
    assert "vip" not in q.terms and "checking" not in q.terms


def test_fts_query_survives_hostile_input() -> None:
    q = build_query('"; DROP TABLE chunks; --', 'NEAR(a b) OR * ^ "unbalanced')
    expr = fts_query(q)
    assert expr.count('"') % 2 == 0
