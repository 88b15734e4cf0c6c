"""Every API schema has a name of its own. The OpenAPI document names each schema component by
its class name, so two apps' `ItemOut` silently became one: the CMDB's item endpoints were
documented with the improvement register's fields (found when both landed together)."""

from __future__ import annotations

import importlib
import inspect
import pkgutil
from collections import defaultdict

import pydantic

import atiende
from atiende.api.api import api


def test_no_two_schema_classes_share_a_name():
    owners: dict[str, set[str]] = defaultdict(set)
    for info in pkgutil.walk_packages(atiende.__path__, "atiende."):
        if ".migrations" in info.name or info.name.endswith((".cli", ".asgi", ".wsgi", ".celery")):
            continue
        module = importlib.import_module(info.name)
        for name, value in vars(module).items():
            if (
                inspect.isclass(value)
                and issubclass(value, pydantic.BaseModel)
                and value.__module__ == module.__name__
            ):
                owners[name].add(module.__name__)
    shared = {name: sorted(modules) for name, modules in owners.items() if len(modules) > 1}
    assert shared == {}


def test_the_cmdb_item_endpoints_are_documented_with_the_cmdbs_own_fields():
    doc = api.get_openapi_schema()
    body = doc["paths"]["/api/v1/cmdb/items"]["post"]["requestBody"]["content"]
    ref = body["application/json"]["schema"]["$ref"].rsplit("/", 1)[1]
    fields = doc["components"]["schemas"][ref]["properties"]
    assert "ci_type" in fields or "kind" in fields or "name" in fields
    assert "baseline_start" not in fields
