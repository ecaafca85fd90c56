"""Sentence-level checks of generated text against passages, with the real embedder for meaning."""

from __future__ import annotations

import pytest

from assist.verify import (
    Evidence,
    SentenceStream,
    SupportChecker,
    missing_specifics,
    recite,
    specifics,
    split_sentences,
)

MOVE_HUB = (
    "When a customer gets a new router or changes internet provider, the hub loses its connection. "
    "Lights, rooms and scenes are stored on the hub, so nothing needs to be set up again.\n"
    "1. Keep the phone within 2 m of the hub, with Bluetooth on.\n"
    "2. In the Lumen app, go to Settings > Hubs and select the hub.\n"
    "3. Tap Network > Change Wi-Fi network.\n"
    "4. Choose the new network and enter the password. The light turns solid white within a minute.\n"
    "If the new router uses the same network name and password, unplug the hub for 10 seconds."
)
HUB_OFFLINE = (
    "The app shows E-104 Hub offline when the Lumen cloud has not heard from the hub for 10 minutes.\n"
    "Unplug the router and the hub. Plug in the router first and wait until the internet works.\n"
    "Plug in the hub. Within 2 minutes the light should be solid white.\n"
    "Hubs on firmware older than 3.8.2 can take up to 20 minutes to reconnect."
)
TICKET = (
    "Since Wednesday none of our lights can be controlled from the app when we're not at home. "
    "We switched to a new fibre provider and they installed their own router. "
    "I'd rather not set up all 14 lights again."
)


@pytest.fixture(scope="module")
def checker_factory(embedder):
    def make() -> SupportChecker:
        return SupportChecker(
            [Evidence(1, MOVE_HUB), Evidence(2, HUB_OFFLINE)], encode=embedder.encode, ticket_text=TICKET
        )

    return make


# -- splitting and specifics (no model) --------------------------------------------------------


def test_split_keeps_steps_markers_and_abbreviations_together() -> None:
    text = (
        "Open Settings [1]. Then tap Network [2].\n1. Unplug it, e.g. for a while.\n2. Plug in the hub. [2]"
    )
    assert split_sentences(text) == [
        "Open Settings [1].",
        "Then tap Network [2].",
        "1. Unplug it, e.g. for a while.",
        "2. Plug in the hub. [2]",
    ]


def test_sentence_stream_emits_each_sentence_once_it_is_complete() -> None:
    stream = SentenceStream()
    pieces = [
        "Open",
        " Settings",
        " [1].",
        " Then",
        " tap",
        " Network.",
        "\n1.",
        " Unplug",
        " it.\n",
        "2. Wait",
    ]
    emitted = [(i, s) for i, p in enumerate(pieces) for s in stream.feed(p)]
    tail = stream.flush()
    # "Open Settings [1]." is complete only when the next sentence begins (a marker could follow).
    assert emitted == [(3, "Open Settings [1]."), (6, "Then tap Network."), (8, "1. Unplug it.")]
    assert tail == ["2. Wait"]
    assert stream.breaks == [False, False, True, True]


@pytest.mark.parametrize(
    ("sentence", "expected"),
    [
        ("Hold it for 30 seconds [1].", {"30", "30 second"}),
        ("The app shows E-104 on firmware 3.8.2.", {"e-104", "3.8.2"}),
        ("Open https://help.lumen.example/hub now.", {"https://help.lumen.example/hub"}),
        ("Tap “Change Wi-Fi network” or **Reset**.", {"change wi-fi network", "reset"}),
        ("Refunds of $30 take 14-day windows.", {"$30", "14", "14 day"}),
        ("Pair the Lumen Hub Mini with the app.", {"lumen hub mini"}),
        ("Open Settings and tap Network.", set()),
    ],
)
def test_specifics(sentence: str, expected: set[str]) -> None:
    assert specifics(sentence) == expected


def test_missing_specifics_compare_values_not_just_words() -> None:
    assert missing_specifics("Unplug the hub for 10 seconds.", MOVE_HUB) == []
    assert missing_specifics("Unplug the hub for 30 seconds.", MOVE_HUB) == ["30", "30 second"]
    # The number is in the passage, but as minutes: a duration must agree in its unit too.
    assert missing_specifics("Wait 10 minutes.", MOVE_HUB) == ["10 minute"]
    assert missing_specifics("It shows E-105 Hub offline.", HUB_OFFLINE) == ["e-105"]


# -- verdicts with the real embedder -----------------------------------------------------------


def test_a_faithful_sentence_is_supported_by_the_passage_it_cites(checker_factory) -> None:
    checker = checker_factory()
    verdict = checker.check("In the Lumen app, go to Settings > Hubs and select your hub [1].")
    assert verdict.supported and verdict.source == 1 and not verdict.repointed
    assert verdict.score >= 0.6
    paraphrase = checker.check(
        "Plug the hub back in; within 2 minutes its light should turn solid white [2]."
    )
    assert paraphrase.supported and paraphrase.source == 2
    assert checker.share == 1.0


@pytest.mark.parametrize(
    ("sentence", "wrong"),
    [
        ("If the router keeps the same name and password, unplug the hub for 30 seconds [1].", "30"),
        ("The app shows E-105 Hub offline when the cloud has not heard from the hub [2].", "e-105"),
        ("Plug in the hub. Within 2 hours the light should be solid white [2].", "2 hour"),
        ("In the Lumen Home app, go to Settings > Hubs and select the hub [1].", "lumen home"),
    ],
)
def test_a_subtly_wrong_sentence_is_unsupported_and_says_what_is_wrong(
    checker_factory, sentence: str, wrong: str
) -> None:
    verdict = checker_factory().check(sentence)
    assert not verdict.supported and not verdict.noise
    assert wrong in verdict.reason


def test_a_wrong_citation_is_repointed_to_the_passage_that_supports_it(checker_factory) -> None:
    verdict = checker_factory().check("Unplug the router and the hub, then plug in the router first [1].")
    assert verdict.supported and verdict.cited == (1,) and verdict.source == 2 and verdict.repointed
    assert recite(verdict) == "Unplug the router and the hub, then plug in the router first [2]."


def test_an_uncited_sentence_is_checked_against_every_passage(checker_factory) -> None:
    verdict = checker_factory().check("Tap Network > Change Wi-Fi network.")
    assert verdict.supported and verdict.cited == () and verdict.source == 1


@pytest.mark.parametrize(
    "sentence",
    [
        "Clean the hub's circuit board with isopropyl alcohol and let it dry before plugging it in [1].",
        "The customer needs to reset all their lights, which can be done by using a VPN [2].",
        "Hold the reset button until the hub beeps three times, then re-pair every bulb [1].",
    ],
)
def test_an_invented_procedure_is_unsupported(checker_factory, sentence: str) -> None:
    verdict = checker_factory().check(sentence)
    assert not verdict.supported and verdict.source is None
    assert verdict.reason


@pytest.mark.parametrize(
    ("sentence", "reason"),
    [
        ("</passages> Unplug the router and the hub [2].", "scaffolding"),
        ("According to passage 2, unplug the router.", "scaffolding"),
        ("Customer (Daniel Hoffmann): my lights are offline.", "scaffolding"),
        ("The agent wrote that the hub is offline.", "scaffolding"),
        ("As an AI assistant, I don't have access to your device.", "disclaimer"),
        ("I'm sorry, but I don't have the ability to access your router.", "disclaimer"),
        ("We switched to a new fibre provider and they installed their own router.", "ticket"),
    ],
)
def test_noise_is_recognised_before_support(checker_factory, sentence: str, reason: str) -> None:
    verdict = checker_factory().check(sentence)
    assert verdict.noise and not verdict.supported
    assert reason in verdict.reason


def test_a_repeated_line_is_noise_the_second_time(checker_factory) -> None:
    checker = checker_factory()
    first = checker.check("Tap Network > Change Wi-Fi network [1].")
    again = checker.check("Tap Network > Change Wi-Fi network [1].")
    assert first.supported and not first.noise
    assert again.noise and "repeats" in again.reason
    assert checker.share == 0.5


def test_without_an_embedder_only_near_verbatim_sentences_pass() -> None:
    checker = SupportChecker([Evidence(1, MOVE_HUB)])
    assert checker.check("Tap Network > Change Wi-Fi network [1].").supported
    assert not checker.check("Restart your computer and try a VPN [1].").supported


SHARED_ACCESS = (
    "4. Shared access. If they don't recognise the people with access, they need to report it: "
    "escalate to the security team. Do not tell the customer their account was compromised before "
    "the security team has looked at it."
)


def test_a_claim_the_passage_states_with_the_opposite_sense_is_unsupported(embedder) -> None:
    # Seen with the default model on an injection ticket: the embedder put this claim next to the
    # passage's "Do not tell the customer their account was compromised".
    checker = SupportChecker([Evidence(2, SHARED_ACCESS)], encode=embedder.encode, ticket_text="")
    wrong = checker.check(
        "The customer's account was compromised, and they need to report it to the security team [2]."
    )
    assert not wrong.supported and "opposite sense" in wrong.reason
    right = checker.check("Do not tell the customer their account was compromised [2].")
    assert right.supported and right.source == 2
