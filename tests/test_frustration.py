"""The frustration signal: ordering on the labelled conversations, each reason on its trigger, the
things that must not count (acronyms, quoted history, internal notes), the trend and negations."""

from __future__ import annotations

import json
import statistics
import tomllib
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from assist.escalation.frustration import (
    embedder_similarity,
    lexical_similarity,
    load_cues,
    score_frustration,
    strip_quoted,
)
from assist.escalation.model import Frustration
from assist.helpdesk._http import parse_time
from assist.helpdesk.demo import map_ticket
from assist.tickets import Message, Ticket

REPO = Path(__file__).resolve().parents[1]
CONVERSATIONS = REPO / "eval" / "conversations.jsonl"
T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)

CALM_FIRST = (
    "Hi,\n\nI'm setting up the Lumen Hub I bought last week. The app finds the hub, but when I try to "
    "add the bulbs in the living room it stops at 'Searching for lights' and after two minutes says "
    "none were found. The bulbs are the colour ones from the starter kit, screwed into a floor lamp "
    "about three metres from the hub. I have switched the lamp off and on, moved the hub closer and "
    "restarted the app. The router is a standard one from our internet provider.\n\nIs there a way "
    "to reset the bulbs, or is there something else I should check first?\n\nThanks,\nAnna"
)


def msg(mid: str, role: str, body: str, minutes: float, public: bool = True) -> Message:
    name = {"customer": "Anna Customer", "agent": "Sam Agent", "system": "Helpdesk"}[role]
    return Message(mid, name, role, body, T0 + timedelta(minutes=minutes), public)  # type: ignore[arg-type]


def said(mid: str, body: str, minutes: float = 0) -> Message:
    """A public customer message."""
    return msg(mid, "customer", body, minutes)


def ticket(*messages: Message) -> Ticket:
    return Ticket("T1", "Subject", "open", "demo", messages=tuple(messages))


def score(*messages: Message, after: float = 30) -> Frustration:
    """Scored `after` minutes past the last message."""
    last = max(m.created_at for m in messages if m.created_at)
    return score_frustration(ticket(*messages), last + timedelta(minutes=after))


def reason(mood: Frustration, code: str):
    found = [r for r in mood.reasons if r.code == code]
    assert found, f"no {code!r} reason in {[(r.code, r.text) for r in mood.reasons]}"
    return found[0]


def codes(mood: Frustration) -> set[str]:
    return {r.code for r in mood.reasons}


# -- the labelled conversations ----------------------------------------------------------------


@pytest.fixture(scope="module")
def labelled() -> list[tuple[dict, Frustration]]:
    rows = [json.loads(line) for line in CONVERSATIONS.read_text(encoding="utf-8").splitlines() if line]
    return [(row, score_frustration(map_ticket(row), parse_time(row["now"]))) for row in rows]


def test_the_conversation_file_is_big_enough_and_well_formed(labelled) -> None:
    rows = [row for row, _ in labelled]
    assert len(rows) >= 48
    assert {r["label"] for r in rows} == {"calm", "annoyed", "furious"}
    assert sum(r["lang"] != "en" for r in rows) >= 6
    assert {"de", "fr", "es"} <= {r["lang"] for r in rows}
    assert len({r["id"] for r in rows}) == len(rows)
    holdout = [r for r in rows if r["split"] == "holdout"]
    assert 0.25 <= len(holdout) / len(rows) <= 0.4
    for r in rows:
        assert r["note"] and parse_time(r["now"])
        assert 2 <= len(r["messages"]) <= 8
        assert all(parse_time(m["created_at"]) for m in r["messages"])


def test_labels_are_ordered_calm_annoyed_furious(labelled) -> None:
    by_label: dict[str, list[float]] = {"calm": [], "annoyed": [], "furious": []}
    for row, mood in labelled:
        by_label[row["label"]].append(mood.score)
    means = {k: statistics.mean(v) for k, v in by_label.items()}
    assert means["calm"] < means["annoyed"] < means["furious"], means
    assert min(by_label["furious"]) > max(by_label["calm"])
    # The rules file's alert (≥ 0.6) fires on no calm conversation.
    assert max(by_label["calm"]) < 0.35


def test_every_conversation_has_one_trend_point_per_public_customer_message(labelled) -> None:
    for row, mood in labelled:
        expected = [m["id"] for m in row["messages"] if m["role"] == "customer" and m.get("public", True)]
        assert [p.message_id for p in mood.trend] == expected, row["id"]
        assert mood.trend[-1].score == mood.score
        assert 0.0 <= mood.score <= 1.0


# -- each reason on its trigger ----------------------------------------------------------------


@pytest.mark.parametrize(
    "body",
    [
        "Ich möchte jetzt bitte mit Ihrem Vorgesetzten sprechen.",
        "Je veux parler à un responsable, s'il vous plaît.",
        "Quiero hablar con un supervisor hoy.",
        "Please put me through to a manager.",
        "I would like to speak to someone senior about this.",
    ],
)
def test_asking_for_a_manager_in_any_language(body: str) -> None:
    mood = score(said("m1", "Hello, my hub is offline.", 0), said("m2", body, 60))
    r = reason(mood, "manager")
    assert r.message_id == "m2"
    assert r.text == "asked for a manager"
    assert r.weight >= 0.4


def test_chargeback_and_cancel_threats() -> None:
    mood = score(
        said("m1", "My parcel never arrived.", 0),
        msg("m2", "agent", "Please wait another week.", 120),
        said("m3", "Refund me today or I'm filing a chargeback and cancelling my subscription.", 150),
    )
    assert reason(mood, "chargeback").message_id == "m3"
    assert reason(mood, "chargeback").text == "mentions a chargeback"
    assert reason(mood, "cancel").text == "threatens to cancel"
    assert mood.score >= 0.6


def test_all_caps_and_exclamation_runs() -> None:
    mood = score(
        said("m1", "Hi, the app does not open.", 0),
        said("m2", "WHY IS NOBODY ANSWERING THIS? MY LIGHTS HAVE BEEN BROKEN FOR DAYS!!!", 600),
    )
    caps = reason(mood, "all_caps")
    assert (caps.text, caps.message_id) == ("all caps", "m2")
    punct = reason(mood, "punctuation")
    assert (punct.text, punct.message_id) == ("!!! / ???", "m2")


def test_a_few_shouted_words_are_a_lighter_reason() -> None:
    mood = score(said("m1", "It STILL switches on an hour late and I NEED it fixed.", 0))
    caps = reason(mood, "all_caps")
    assert "“STILL”" in caps.text and "“NEED”" in caps.text
    assert caps.weight < 0.2


def test_acronyms_error_codes_and_order_numbers_are_not_caps() -> None:
    body = (
        "My order BW-558213 (SKU LMN-HUB2-EU) shows E-104 on the USB hub. The LED is white, the IDE "
        "says the API returned HTTP 404, WIFI and DHCP are fine, SSID is HOME-5G, ZTE router, RGB strip."
    )
    mood = score(said("m1", body, 0))
    assert "all_caps" not in codes(mood)
    assert mood.score < 0.2


def test_a_restated_message_is_found_by_similarity() -> None:
    first = (
        "The scheduled routine turns on the bedroom lights at 6:30 but they stay at 1% brightness "
        "instead of fading up to 100% over 20 minutes."
    )
    restated = (
        "My problem is that the routine turns on the bedroom lights at 6:30 but they stay at 1% "
        "brightness instead of fading up over 20 minutes to 100%."
    )
    mood = score(
        said("m1", first, 0),
        msg("m2", "agent", "To create a routine, open Automations.", 60),
        said("m3", restated, 90),
    )
    r = reason(mood, "repeated_message")
    assert (r.text, r.message_id) == ("repeats an earlier message", "m3")
    # A different follow-up on the same product is not a restatement.
    other = score(
        said("m1", first, 0),
        msg("m2", "agent", "Please update the firmware.", 60),
        said("m3", "Updated it, and the hallway sensor now also shows a firmware notice.", 90),
    )
    assert "repeated_message" not in codes(other)


def test_the_similarity_is_injectable() -> None:
    calls: list[tuple[str, str]] = []

    def same(a: str, b: str) -> float:
        calls.append((a, b))
        return 1.0

    mood = score_frustration(
        ticket(
            said("m1", "The lights in the kitchen do not respond in the evening.", 0),
            said("m2", "In the evenings my kitchen lamps ignore every command I send.", 30),
        ),
        T0 + timedelta(hours=1),
        similarity=same,
    )
    assert calls
    assert reason(mood, "repeated_message").message_id == "m2"


def test_repetition_phrases() -> None:
    mood = score(
        said("m1", "My hub is offline.", 0),
        msg("m2", "agent", "Please restart it.", 60),
        said("m3", "As I already said, I restarted it. This is the third time I explain this.", 90),
    )
    assert reason(mood, "told_you").message_id == "m3"
    assert reason(mood, "times").text == "says “third time”"


def test_a_long_wait_now_and_a_closed_wait() -> None:
    waiting = score_frustration(ticket(said("m1", "Hello, where is my order?", 0)), T0 + timedelta(hours=26))
    r = reason(waiting, "waiting")
    assert (r.text, r.message_id) == ("waiting 26 h for a reply", "m1")
    waited = score(
        said("m1", "Hello, where is my order?", 0),
        msg("m2", "agent", "It ships tomorrow.", 26 * 60),
        said("m3", "Ok.", 26 * 60 + 5),
    )
    assert reason(waited, "waiting").text == "waited 26 h for a reply"
    quick = score(said("m1", "Hello, where is my order?", 0), after=20)
    assert "waiting" not in codes(quick)


def test_messages_in_a_row_without_a_reply() -> None:
    mood = score(
        said("m1", "The porch light does not switch on at sunset.", 0),
        said("m2", "I checked the location setting, it is correct.", 180),
        said("m3", "Is anybody looking at this?", 400),
    )
    r = reason(mood, "messages_in_a_row")
    assert (r.text, r.message_id) == ("three messages in a row without a reply", "m3")
    # Three messages within a few minutes are one message sent in pieces.
    burst = score(
        said("m1", "How do I add a second user?", 0),
        said("m2", "She has an Android phone.", 2),
        said("m3", "And I have an iPhone.", 3),
    )
    assert "messages_in_a_row" not in codes(burst)


def test_negative_tone_is_read_in_english_only() -> None:
    english = score(said("m1", "This is the worst, most useless and terrible product. I hate it.", 0))
    assert "negative_tone" in codes(english)
    # VADER would read this as very negative (it knows "problem", "broken", "dead"), but it is German.
    german = score(
        said("m1", "Das Problem: die App ist broken, der Hub ist dead und alles ist ein Problem.", 0)
    )
    assert "negative_tone" not in codes(german)


# -- what must stay low --------------------------------------------------------------------------


def test_a_long_calm_first_contact_stays_low() -> None:
    mood = score(said("m1", CALM_FIRST, 0))
    assert mood.score < 0.2
    assert mood.level == "calm"


def test_polite_thanks_stay_low() -> None:
    mood = score(
        said("m1", "Hi, one of my bulbs shows as unreachable.", 0),
        msg("m2", "agent", "Please switch it off at the wall for 10 seconds.", 90),
        said("m3", "That did the trick, thank you so much for the quick help!", 120),
    )
    assert mood.score < 0.2


def test_a_calm_reply_after_a_fix_lowers_the_trend() -> None:
    mood = score(
        said("m1", "Still no remote control, second time I write. Really frustrating!!", 0),
        msg("m2", "agent", "I've reset the cloud link; please restart the hub.", 60),
        said("m3", "Restarted it and everything works again. Thanks a lot!", 120),
    )
    first, last = mood.trend[0].score, mood.trend[-1].score
    assert first >= 0.35
    assert last < first * 0.5
    assert mood.reasons[-1].code == "calmer"


def test_quoted_history_is_ignored() -> None:
    angry = "THIS IS THE THIRD TIME!!! I WANT A MANAGER AND I'M FILING A CHARGEBACK."
    quoted = "\n".join(
        ["Perfect, that fixed it. Thanks!", "", "On Tue, 3 Mar 2026 at 10:02, Anna wrote:"]
        + [f"> {line}" for line in angry.split("\n")]
    )
    mood = score(said("m1", quoted, 0))
    assert mood.score < 0.1
    assert not codes(mood) & {"manager", "chargeback", "all_caps", "punctuation", "times"}
    assert strip_quoted(quoted) == "Perfect, that fixed it. Thanks!"
    # Only the ">" lines, without a header line.
    assert "MANAGER" not in strip_quoted("Fine now.\n> I WANT A MANAGER!!!")
    german_header = "Am 3. März 2026 um 10:02 schrieb Anna <a@b.c>:"
    assert "MANAGER" not in strip_quoted(f"Fine now.\n{german_header}\nI WANT A MANAGER")
    unquoted = score(said("m1", angry, 0))
    assert unquoted.score >= 0.6


def test_internal_notes_agent_and_system_messages_are_not_the_customers_mood() -> None:
    base = [
        said("m1", "Hi, how do I rename a room?", 0),
        msg("m3", "agent", "Tap the three dots and choose Rename.", 40),
    ]
    noisy = [
        msg(
            "m2",
            "agent",
            "CUSTOMER THREATENED A CHARGEBACK!!! Wants a MANAGER. Third time.",
            10,
            public=False,
        ),
        msg("s1", "system", "Escalated to a supervisor by trigger; SLA breached!!!", 11),
        msg("m4", "agent", "Sorry, this is unacceptable on our side, I'll escalate to my manager.", 41),
    ]
    calm = score(*base)
    with_noise = score(*base, *noisy)
    assert with_noise.score == calm.score
    assert with_noise.reasons == calm.reasons
    assert [p.message_id for p in with_noise.trend] == ["m1"]


def test_a_customers_internal_note_does_not_count_either() -> None:
    # Some helpdesks let end users add private comments; they are not the public conversation.
    mood = score(
        said("m1", "Hi, how do I rename a room?", 0),
        msg("m2", "customer", "I WANT A MANAGER!!!", 5, public=False),
    )
    assert mood.score == 0.0
    assert len(mood.trend) == 1


# -- the trend -----------------------------------------------------------------------------------


def test_the_trend_rises_over_an_escalating_thread() -> None:
    mood = score(
        said("m1", "Hello, my hub has been offline since yesterday.", 0),
        msg("m2", "agent", "Please restart it.", 300),
        said("m3", "I restarted it. It is still not working, which is frustrating.", 1500),
        msg("m4", "agent", "Please restart it again.", 3000),
        said("m5", "As I already said, I restarted it! This is the third time I explain this!!", 3030),
        said("m6", "Nobody has replied. I want to speak to a manager or I cancel my subscription.", 4500),
        said("m7", "I AM DONE WAITING. I'M FILING A CHARGEBACK WITH MY BANK TODAY!!!", 6000),
    )
    scores = [p.score for p in mood.trend]
    assert len(scores) == 5
    assert scores == sorted(scores)
    assert scores[0] < 0.2 and scores[-1] >= 0.9
    assert [p.message_id for p in mood.trend] == ["m1", "m3", "m5", "m6", "m7"]
    assert mood.trend[1].at == T0 + timedelta(minutes=1500)


def test_a_ticket_without_customer_messages_scores_zero() -> None:
    mood = score_frustration(ticket(msg("m1", "agent", "Proactive notice: maintenance tonight.", 0)), T0)
    assert mood == Frustration(0.0)


# -- politeness, sarcasm, negation ---------------------------------------------------------------


def test_polite_anger_rises() -> None:
    body = (
        "Dear Sam,\n\nI am disappointed that after a day's wait the only advice is to check something I had "
        "already done. I would like to speak to someone senior who can look at my account properly.\n\n"
        "Regards,\nMargaret"
    )
    mood = score(said("m1", body, 0))
    assert mood.score >= 0.6
    assert {"manager", "displeasure"} <= codes(mood)


def test_sarcasm_rises_but_real_praise_does_not() -> None:
    sarcastic = score(said("m1", "Great, another week without a working hub. Fantastic service.", 0))
    assert "sarcasm" in codes(sarcastic)
    assert sarcastic.score >= 0.35
    praise = score(said("m1", "Great job, thanks! Fantastic service.", 0))
    assert praise.score < 0.1


def test_negations_turn_a_cue_down() -> None:
    negated = score(said("m1", "It's not urgent, there's no need to escalate it.", 0))
    plain = score(said("m1", "It's urgent, please escalate it.", 0))
    assert reason(plain, "manager").weight >= 0.4
    assert negated.score < 0.2
    assert "refund" not in codes(score(said("m1", "I don't want a refund, just a fix.", 0)))
    assert score(said("m1", "I'm not going to cancel, I like the bulbs.", 0)).score < 0.2
    # A condition is not a negation of the threat.
    threat = score(said("m1", "If this isn't fixed by Friday I will cancel my subscription.", 0))
    assert reason(threat, "cancel").weight >= 0.3
    german = score(said("m1", "Ich will keine Rückerstattung, nur eine Lösung."))
    assert reason(german, "refund").weight < 0.05


# -- mechanics -----------------------------------------------------------------------------------


def test_deterministic() -> None:
    messages = (
        said("m1", "My hub is offline again!!", 0),
        msg("m2", "agent", "Please restart it.", 300),
        said("m3", "Still not working. This is the third time. I want a manager.", 900),
    )
    now = T0 + timedelta(hours=20)
    first = score_frustration(ticket(*messages), now)
    assert all(score_frustration(ticket(*messages), now) == first for _ in range(3))


def test_a_naive_now_is_taken_as_utc() -> None:
    t = ticket(said("m1", "Hello, where is my order?", 0))
    aware = score_frustration(t, T0 + timedelta(hours=30))
    naive = score_frustration(t, (T0 + timedelta(hours=30)).replace(tzinfo=None))
    assert aware == naive


def test_weights_come_from_the_cue_file(tmp_path: Path) -> None:
    data = (REPO / "assist" / "data" / "frustration.toml").read_text(encoding="utf-8")
    parsed = tomllib.loads(data)
    assert parsed["cues"]["manager"]["weight"] != 0.8
    lighter = tmp_path / "frustration.toml"
    manager = 'text = "asked for a manager"\nweight = '
    lighter.write_text(data.replace(manager, manager + "0.8 #"))
    t = ticket(said("m1", "Please put me through to a manager.", 0))
    default = score_frustration(t, T0)
    custom = score_frustration(t, T0, cues=load_cues(lighter))
    assert reason(custom, "manager").weight == 0.8
    assert custom.score > default.score


def test_lexical_similarity_bounds() -> None:
    assert lexical_similarity("the hub is offline", "the hub is offline") == pytest.approx(1.0)
    assert lexical_similarity("", "anything") == 0.0
    assert lexical_similarity("my order never arrived", "the kitchen lamp flickers") < 0.3


@pytest.mark.slow
def test_embedder_similarity_finds_a_paraphrase(embedder) -> None:
    sim = embedder_similarity(embedder)
    first = "The lights in my kitchen stop responding to the app every evening around seven."
    paraphrase = "Every evening at about 7 pm my kitchen lights no longer react to the app."
    other = "Could you tell me whether the outdoor spot is waterproof?"
    assert sim(first, paraphrase) > sim(first, other)
    mood = score_frustration(
        ticket(
            said("m1", first, 0),
            msg("m2", "agent", "Please restart the hub.", 60),
            said("m3", paraphrase, 120),
        ),
        T0 + timedelta(hours=3),
        similarity=sim,
    )
    assert reason(mood, "repeated_message").message_id == "m3"
    # The encode function itself works too (Engine.encoder() hands out just that).
    assert embedder_similarity(embedder.encode)(first, paraphrase) == pytest.approx(sim(first, paraphrase))
