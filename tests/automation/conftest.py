from __future__ import annotations

import pytest

from atiende.automation import actions


@pytest.fixture
def make_rule(manager):
    def make(name="Rule", trigger="created", conditions=(), rule_actions=(), **extra):
        data = {
            "name": name,
            "trigger": trigger,
            "conditions": list(conditions),
            "actions": list(rule_actions),
            **extra,
        }
        return actions.rule_create(actor=manager, data=data)

    return make
