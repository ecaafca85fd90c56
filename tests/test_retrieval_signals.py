"""Ranking signals on a purpose-built KB, with the real embedder and a real index.

Each case is a pair of articles a bi-encoder confuses: the one that answers and one that talks
about the same thing. The signal under test is what must put the answer first.
"""

from __future__ import annotations

import dataclasses

import pytest

from assist.query import build_query
from assist.retrieval import RetrievalSettings, Retriever
from indexer.pipeline import SourceSpec, index
from indexer.store import IndexStore

pytestmark = pytest.mark.slow

FAQ = """# FAQ: Lumen Hub

Answers to the questions customers ask most about the Lumen Hub and its app.

* **Which Wi-Fi bands does the hub support?**

  The hub connects to 2.4 GHz networks only; 5 GHz networks are not listed.
* **How many bulbs can one hub control?**

  Up to 50 bulbs and 12 sensors per hub.
* **Can I use the hub without the cloud?**

  Yes. Local control keeps working on your network when the internet is down.
* **Why is Away mode greyed out in the app?**

  Away mode needs a motion sensor paired with the hub. Without one the switch stays disabled.
* **Does the hub work with voice assistants?**

  Yes, with the skills listed in the app under Integrations.
"""

AWAY = """# If Away mode won't turn on

If Away mode won't turn on in the app, work through these checks.

## Check the schedule

Open the app, go to Automations and check that the Away schedule is enabled and its start and end
times are right.

## Check the time zone

Lights switching at the wrong hour usually mean the hub's time zone is wrong.
"""

NOT_RECOGNISED = """# If the hub is not recognized by the computer

Missing or corrupted USB firmware can make the hub appear as one of the following:

* Unknown Device
* Composite Device
* LMX2 DFU

Resolve it by reflashing the USB firmware.
"""

BOOT_MODE = """# Hub shows up as an LMX2 device in DFU mode

The hub's LMX2 USB chip has a DFU (Device Firmware Update) mode. In DFU mode Windows shows the hub
as a new device instead of a COM port, and you can flash its USB firmware.

1. Connect the hub to your computer.
2. Short the two pins next to the USB connector with a screwdriver or a wire.
3. The hub resets into DFU mode.
"""

FILLER = {
    "reset-the-hub.md": "# Reset the hub\n\nHold the reset button for ten seconds until the ring blinks.\n",
    "billing.md": "# Change your billing plan\n\nPlans are changed under Account > Billing in the app.\n",
    "sensor-battery.md": "# Replace a sensor battery\n\nMotion sensors take one CR2032 cell.\n",
}


@pytest.fixture(scope="module")
def retriever(tmp_path_factory: pytest.TempPathFactory, embedder):
    root = tmp_path_factory.mktemp("signals")
    kb = root / "kb"
    kb.mkdir()
    pages = {
        "faq-lumen-hub.md": FAQ,
        "away-mode-not-working.md": AWAY,
        "hub-not-recognized.md": NOT_RECOGNISED,
        "hub-boot-mode.md": BOOT_MODE,
        **FILLER,
    }
    for name, text in pages.items():
        (kb / name).write_text(text, encoding="utf-8")
    db = root / "db"
    report = index([SourceSpec(kb)], db, embedder)
    assert not report.errors
    store = IndexStore(db, create=False)
    yield Retriever(store, embedder)
    store.close()


def _titles(retriever: Retriever, subject: str, body: str, **settings) -> list[str]:
    r = retriever
    if settings:
        r = Retriever(
            retriever.store, retriever.embedder, dataclasses.replace(RetrievalSettings(), **settings)
        )
    return [h.title for h in r.search(build_query(subject, body)).hits]


def test_faq_entry_answers_its_question_against_a_page_about_the_topic(
    retriever: Retriever, monkeypatch: pytest.MonkeyPatch
) -> None:
    body = "In the app the Away mode switch is grey and I can't tap it. Do I need to buy something?"
    titles = _titles(retriever, "Away mode is grey", body)
    assert titles[0] == "FAQ: Lumen Hub"
    # Judged by the page's lead instead (written for all its entries), the FAQ loses.
    monkeypatch.setattr("assist.retrieval._is_question", lambda chunk: False)
    assert _titles(retriever, "Away mode is grey", body)[0] == "If Away mode won't turn on"
    monkeypatch.undo()
    result = retriever.search(build_query("Away mode is grey", "The Away mode switch is grey."))
    # The passage shown is the entry itself, under its question.
    assert result.hits[0].passages[0].heading == "Why is Away mode greyed out in the app?"


def test_page_containing_the_pasted_screen_text_wins(retriever: Retriever) -> None:
    subject = "Hub shows up as LMX2 DFU"
    body = "After a power cut Windows lists my hub as 'LMX2 DFU' and the app can't find it. Can it be fixed?"
    assert _titles(retriever, subject, body)[0] == "If the hub is not recognized by the computer"
    # Without the verbatim-phrase signal, the page that only names the mode comes first.
    without = _titles(retriever, subject, body, phrase_weight=0.0)
    assert without[0] == "Hub shows up as an LMX2 device in DFU mode"
