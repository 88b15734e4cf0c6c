"""Factories of the cmdb tests (and of other domains' tests that need services and CIs)."""

from __future__ import annotations

import factory
from django.utils import timezone

from atiende.cmdb import graph
from atiende.cmdb.models import CiClass, ConfigurationItem, Relation, RelationType


class ItemFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ConfigurationItem

    name = factory.Sequence(lambda n: f"ci-{n:04d}")
    ci_class = CiClass.SERVER
    created_at = factory.LazyFunction(timezone.now)
    updated_at = factory.LazyAttribute(lambda o: o.created_at)

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        item = super()._create(model_class, *args, **kwargs)
        graph.changed()  # as actions.item_create does: a new service is in the impact graph
        return item


class ServiceFactory(ItemFactory):
    name = factory.Sequence(lambda n: f"Service {n}")
    ci_class = CiClass.BUSINESS_SERVICE


def relate(source: ConfigurationItem, type_: str, target: ConfigurationItem) -> Relation:
    relation = Relation.objects.create(
        source=source, type=RelationType(type_), target=target, created_at=timezone.now()
    )
    graph.changed()  # as actions.relation_add does
    return relation
