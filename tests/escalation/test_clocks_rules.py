from __future__ import annotations

import pytest

from assist.escalation.clocks import humanize_minutes, sla_clock, waiting_minutes
from assist.escalation.rules import load_rules, parse_rules
from assist.tickets import Sla
from common.errors import ConfigError
from tests.escalation.conftest import at, msg, ticket


def test_waiting_counts_from_the_first_unanswered_customer_message():
    t = ticket(
        messages=(
            msg("1", "customer", 0),
            msg("2", "agent", 30),
            msg("3", "customer", 60),
            msg("4", "customer", 90),
        )
    )
    assert waiting_minutes(t, at(150)) == 90  # since message 3, not 4


def test_no_wait_when_the_agent_replied_last_or_only_a_note_followed():
    replied = ticket(messages=(msg("1", "customer", 0), msg("2", "agent", 30)))
    assert waiting_minutes(replied, at(300)) is None
    # An internal note is not a reply: the customer still waits.
    noted = ticket(messages=(msg("1", "customer", 0), msg("2", "agent", 30, public=False)))
    assert waiting_minutes(noted, at(120)) == 120
    solved = ticket(messages=(msg("1", "customer", 0),), status="solved")
    assert waiting_minutes(solved, at(120)) is None


def test_sla_clock_picks_the_target_closest_to_breach_and_its_share():
    sla = Sla(first_response_due=at(240), resolution_due=at(2880))
    clock = sla_clock(ticket(messages=(msg("1", "customer", 0),), sla=sla), at(180))
    assert clock.target == "first reply"
    assert clock.used_share == pytest.approx(0.75)
    assert clock.minutes_left == pytest.approx(60)
    # Once answered, the first-reply target stops running; resolution remains.
    answered = ticket(messages=(msg("1", "customer", 0), msg("2", "agent", 60)), sla=sla)
    assert sla_clock(answered, at(180)).target == "resolution"


def test_a_missed_target_comes_first_and_is_breached():
    sla = Sla(first_response_due=at(60), resolution_due=at(2880))
    clock = sla_clock(ticket(messages=(msg("1", "customer", 0),), sla=sla), at(90))
    assert clock.breached and clock.target == "first reply" and clock.minutes_left == pytest.approx(-30)


def test_humanize():
    assert humanize_minutes(45) == "45 min"
    assert humanize_minutes(190) == "3 h 10 min"
    assert humanize_minutes(26 * 60) == "26 h"
    assert humanize_minutes(4 * 24 * 60) == "4 days"


def test_builtin_rules_have_the_issues_thresholds():
    rules = load_rules()
    by = {r.name: r for r in rules.alerts}
    assert by["waiting"].at_least == 90 and by["waiting"].signal == "waiting_minutes"
    assert by["sla"].at_least == 0.75
    assert by["frustration"].at_least == 0.6
    assert by["repeat_contact"].at_least == 3 and rules.lookback_days == 7
    assert rules.routes and rules.default_group


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('[[alert]]\nname = "x"\nsignal = "moon_phase"\nat_least = 1', "signal must be one of"),
        ('[[alert]]\nname = "x"\nsignal = "frustration"\nat_least = "high"', "must be a number"),
        ('[[alert]]\nsignal = "frustration"', "unique name"),
        ('[[route]]\nreason = "no group"', "needs a group"),
        ("[[alert]\n", "not valid TOML"),
    ],
)
def test_a_broken_rules_file_names_the_problem(text, message):
    with pytest.raises(ConfigError, match=message):
        parse_rules(text, source="team.toml")


def test_a_missing_rules_file_is_a_clear_error(tmp_path):
    with pytest.raises(ConfigError, match="does not exist"):
        load_rules(tmp_path / "nope.toml")
