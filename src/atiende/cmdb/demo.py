"""Demo data of the CMDB: a small, realistic estate (ERP, e-mail, VPN, Wi-Fi and file
services; applications, databases, virtual machines, hosts, storage and network devices)
with its relations, and the demo incidents about those services linked to them. Created
through the actions, like every other demo record."""

from __future__ import annotations

from typing import Any

from atiende.accounts.models import Team, User
from atiende.tickets.models import Ticket

from . import actions

# name, class, owner team, environment, attributes, description
# fmt: off
ITEMS: list[tuple[str, str, str, str, dict[str, Any], str]] = [
    ("ERP", "business_service", "Service Desk", "production", {"hours": "24x7", "users": 420},
     "Finance, purchasing and logistics."),
    ("E-mail", "business_service", "Service Desk", "production", {"users": 650}, ""),
    ("Remote access (VPN)", "business_service", "Infrastructure", "production", {}, ""),
    ("Office Wi-Fi", "business_service", "Infrastructure", "production", {"ssid": "acme-corp"}, ""),
    ("File shares", "business_service", "Infrastructure", "production", {}, ""),
    ("Directory and sign-in", "technical_service", "Infrastructure", "production", {}, ""),
    ("Database platform", "technical_service", "Infrastructure", "production", {}, ""),
    ("erp-app", "application", "Service Desk", "production", {"version": "12.4"}, ""),
    ("erp-app-staging", "application", "Service Desk", "staging", {"version": "12.5-rc1"}, ""),
    ("mail-gateway", "application", "Infrastructure", "production", {"product": "Postfix"}, ""),
    ("exchange", "application", "Infrastructure", "production", {"version": "2019 CU14"}, ""),
    ("radius", "application", "Infrastructure", "production", {}, ""),
    ("active-directory", "application", "Infrastructure", "production", {"domain": "acme.local"}, ""),
    ("erp-db-01", "database", "Infrastructure", "production",
     {"engine": "PostgreSQL 15", "size_gb": 380}, ""),
    ("erp-db-02", "database", "Infrastructure", "production",
     {"engine": "PostgreSQL 15", "role": "replica"}, ""),
    ("vm-erp-app-01", "virtual_machine", "Infrastructure", "production", {"cpus": 8, "ram_gb": 32}, ""),
    ("vm-erp-app-02", "virtual_machine", "Infrastructure", "production", {"cpus": 8, "ram_gb": 32}, ""),
    ("vm-mail-01", "virtual_machine", "Infrastructure", "production", {"cpus": 4, "ram_gb": 16}, ""),
    ("vm-dc-01", "virtual_machine", "Infrastructure", "production", {"cpus": 2, "ram_gb": 8}, ""),
    ("esx-01", "server", "Infrastructure", "production", {"ip": "10.0.10.11", "model": "PowerEdge R750"}, ""),
    ("esx-02", "server", "Infrastructure", "production", {"ip": "10.0.10.12", "model": "PowerEdge R750"}, ""),
    ("db-host-01", "server", "Infrastructure", "production", {"ip": "10.0.20.21"}, ""),
    ("san-01", "storage", "Infrastructure", "production", {"capacity_tb": 120}, ""),
    ("san-01-shelf-2", "storage", "Infrastructure", "production", {}, ""),
    ("core-sw-01", "network_device", "Infrastructure", "production", {"ip": "10.0.0.1"}, ""),
    ("fw-01", "network_device", "Infrastructure", "production", {"ip": "10.0.0.254"}, ""),
    ("vpn-gw-01", "network_device", "Infrastructure", "production", {"ip": "203.0.113.10"}, ""),
    ("wlc-01", "network_device", "Infrastructure", "production", {"aps": 42}, ""),
    ("ap-meeting-room-b", "network_device", "Infrastructure", "production", {"floor": 1}, ""),
    ("files-01", "server", "Infrastructure", "production", {"ip": "10.0.20.30"}, ""),
]
# fmt: on

RELATIONS = [
    ("ERP", "depends_on", "erp-app"),
    ("ERP", "depends_on", "Directory and sign-in"),
    ("erp-app", "depends_on", "erp-db-01"),
    ("erp-app", "runs_on", "vm-erp-app-01"),
    ("erp-app", "runs_on", "vm-erp-app-02"),
    ("erp-db-01", "runs_on", "db-host-01"),
    ("erp-db-02", "runs_on", "db-host-01"),
    ("erp-db-01", "part_of", "Database platform"),
    ("erp-db-02", "part_of", "Database platform"),
    ("E-mail", "depends_on", "exchange"),
    ("E-mail", "depends_on", "mail-gateway"),
    ("E-mail", "depends_on", "Directory and sign-in"),
    ("exchange", "runs_on", "vm-mail-01"),
    ("mail-gateway", "runs_on", "vm-mail-01"),
    ("Directory and sign-in", "depends_on", "active-directory"),
    ("active-directory", "runs_on", "vm-dc-01"),
    ("Remote access (VPN)", "depends_on", "vpn-gw-01"),
    ("Remote access (VPN)", "depends_on", "radius"),
    ("radius", "depends_on", "active-directory"),
    ("radius", "runs_on", "vm-dc-01"),
    ("Office Wi-Fi", "depends_on", "wlc-01"),
    ("Office Wi-Fi", "depends_on", "radius"),
    ("ap-meeting-room-b", "part_of", "wlc-01"),
    ("File shares", "depends_on", "files-01"),
    ("File shares", "depends_on", "Directory and sign-in"),
    ("vm-erp-app-01", "runs_on", "esx-01"),
    ("vm-erp-app-02", "runs_on", "esx-02"),
    ("vm-mail-01", "runs_on", "esx-01"),
    ("vm-dc-01", "runs_on", "esx-02"),
    ("esx-01", "depends_on", "san-01"),
    ("esx-02", "depends_on", "san-01"),
    ("san-01-shelf-2", "part_of", "san-01"),
    ("esx-01", "depends_on", "core-sw-01"),
    ("esx-02", "depends_on", "core-sw-01"),
    ("db-host-01", "depends_on", "core-sw-01"),
    ("files-01", "depends_on", "core-sw-01"),
    ("vpn-gw-01", "depends_on", "fw-01"),
    ("fw-01", "connected_to", "core-sw-01"),
    ("wlc-01", "connected_to", "core-sw-01"),
]

# Demo tickets whose title mentions a service: they affect it.
TICKET_LINKS = {
    "ERP very slow when posting invoices": ["ERP", "erp-db-01"],
    "Outlook keeps asking for my password": ["E-mail", "exchange"],
    "Sin conexión a la VPN desde casa": ["Remote access (VPN)"],
    "Wi-Fi drops in meeting room B": ["Office Wi-Fi", "ap-meeting-room-b"],
}


def load(users: dict[str, User]) -> None:
    manager = users.get("manager") or next(u for u in users.values() if u.is_manager)
    agent = users.get("agent") or manager
    teams = {team.name: team.pk for team in Team.objects.all()}
    by_name = {}
    for name, ci_class, team, environment, attributes, description in ITEMS:
        by_name[name] = actions.item_create(
            actor=manager, name=name, ci_class=ci_class, owner_team_id=teams.get(team),
            environment=environment, attributes=attributes, description=description,
        )  # fmt: skip
    for source, type_, target in RELATIONS:
        actions.relation_add(
            actor=manager, source_id=by_name[source].pk, type=type_, target_id=by_name[target].pk
        )
    for title, names in TICKET_LINKS.items():
        for ticket_id in Ticket.objects.filter(title=title).values_list("pk", flat=True)[:2]:
            actions.ticket_items_set(
                actor=manager if manager.is_agent else agent,
                ticket_id=ticket_id,
                add=[by_name[n].pk for n in names],
            )
