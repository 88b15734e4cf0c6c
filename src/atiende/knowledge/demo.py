"""Demo data of the knowledge base: a handful of articles in Spanish and English (linked as
translations), for every audience, published by the demo manager, with the services they
concern. Created through the actions, like every other demo record."""

from __future__ import annotations

from atiende.accounts.models import User
from atiende.cmdb.models import ConfigurationItem
from atiende.tickets.models import Category

from . import actions
from .models import Audience, Status

# category, audience, service, (Spanish title, text), (English title, text)
# fmt: off
ARTICLES = [
    ("Printers", Audience.PUBLIC, None,
     ("La impresora no imprime o atasca el papel",
      "## Antes de abrir un ticket\n\n1. Apague la impresora y vuelva a encenderla.\n"
      "2. Abra la bandeja y retire cualquier hoja atascada.\n"
      "3. En su equipo, vacíe la **cola de impresión** (Configuración › Impresoras).\n\n"
      "Si sigue sin imprimir, indique en el ticket el nombre de la impresora."),
     ("The printer does not print or jams",
      "## Before opening a ticket\n\n1. Switch the printer off and on again.\n"
      "2. Open the tray and remove any jammed sheet.\n"
      "3. On your computer, clear the **print queue** (Settings › Printers).\n\n"
      "If it still does not print, name the printer in your ticket.")),
    ("VPN", Audience.REQUESTERS, "Remote access (VPN)",
     ("Conectarse a la VPN desde casa",
      "Abra el cliente VPN, elija **ACME Remoto** e inicie sesión con su usuario habitual.\n\n"
      "El error **809** suele deberse al router de casa: reinícielo y pruebe de nuevo."),
     ("Connecting to the VPN from home",
      "Open the VPN client, choose **ACME Remote** and sign in with your usual account.\n\n"
      "Error **809** is usually caused by the home router: restart it and try again.")),
    ("E-mail", Audience.REQUESTERS, "E-mail",
     ("Configurar el correo en el móvil",
      "Instale Outlook desde la tienda de aplicaciones y añada su cuenta de correo de la "
      "empresa. Se le pedirá aprobar el acceso en la aplicación de autenticación."),
     ("Setting up e-mail on your phone",
      "Install Outlook from the app store and add your company e-mail account. You will be "
      "asked to approve the sign-in in the authenticator app.")),
    ("Accounts and passwords", Audience.PUBLIC, "Directory and sign-in",
     ("Contraseña caducada o olvidada",
      "Use **Restablecer contraseña** en la página de inicio de sesión. El enlace llega a su "
      "correo personal registrado y caduca en 30 minutos."),
     ("Expired or forgotten password",
      "Use **Reset password** on the sign-in page. The link is sent to your registered "
      "personal e-mail and expires after 30 minutes.")),
    ("ERP", Audience.AGENTS, "ERP",
     ("ERP lento al contabilizar: comprobaciones del agente",
      "Revise el panel de la base de datos **erp-db-01** (bloqueos y replicación). Si la "
      "réplica va con retraso, escale al equipo de Infraestructura."),
     ("ERP slow when posting invoices: agent checks",
      "Check the **erp-db-01** database dashboard (locks and replication). If the replica "
      "lags, escalate to the Infrastructure team.")),
]
# fmt: on


def load(users: dict[str, User]) -> None:
    manager = users.get("manager") or next(u for u in users.values() if u.is_manager)
    agent = users.get("lucia") or users.get("agent") or manager
    categories = {c.name: c.pk for c in Category.objects.all()}
    services = {i.name: i.pk for i in ConfigurationItem.objects.all()}
    for category, audience, service, spanish, english in ARTICLES:
        items = [services[service]] if service in services else []
        first = None
        for language, (title, body) in (("es", spanish), ("en", english)):
            article = actions.article_create(
                actor=agent, title=title, body=body, language=language, audience=audience,
                category_id=categories.get(category), item_ids=items,
                tags=[category.lower()], translation_of=first.pk if first else None,
            )  # fmt: skip
            first = first or article
            actions.article_transition(actor=agent, article_id=article.pk, to=Status.REVIEW)
            actions.article_transition(actor=manager, article_id=article.pk, to=Status.PUBLISHED)
