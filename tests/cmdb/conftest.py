from __future__ import annotations

import pytest

from .factories import ItemFactory, ServiceFactory, relate


@pytest.fixture
def estate(db):
    """A small estate: two services sharing a database server.

    ERP --depends_on--> erp-app --runs_on--> vm-1 --runs_on--> host-1
    ERP --depends_on--> erp-db  --runs_on--> host-1
    Mail --depends_on--> mail-app --runs_on--> host-2
    disk-1 --part_of--> san-1 ; host-1 --depends_on--> san-1
    switch-1 --connected_to--> host-2 (not followed for impact)
    """
    items = {
        "erp": ServiceFactory(name="ERP"),
        "mail": ServiceFactory(name="E-mail"),
        "erp_app": ItemFactory(name="erp-app", ci_class="application"),
        "erp_db": ItemFactory(name="erp-db", ci_class="database"),
        "mail_app": ItemFactory(name="mail-app", ci_class="application"),
        "vm1": ItemFactory(name="vm-1", ci_class="virtual_machine"),
        "host1": ItemFactory(name="host-1"),
        "host2": ItemFactory(name="host-2"),
        "san1": ItemFactory(name="san-1", ci_class="storage"),
        "disk1": ItemFactory(name="disk-1", ci_class="storage"),
        "switch1": ItemFactory(name="switch-1", ci_class="network_device"),
    }
    i = items
    relate(i["erp"], "depends_on", i["erp_app"])
    relate(i["erp"], "depends_on", i["erp_db"])
    relate(i["erp_app"], "runs_on", i["vm1"])
    relate(i["vm1"], "runs_on", i["host1"])
    relate(i["erp_db"], "runs_on", i["host1"])
    relate(i["mail"], "depends_on", i["mail_app"])
    relate(i["mail_app"], "runs_on", i["host2"])
    relate(i["disk1"], "part_of", i["san1"])
    relate(i["host1"], "depends_on", i["san1"])
    relate(i["switch1"], "connected_to", i["host2"])
    return items
