"""Realistic Spanish and English service-desk text for the benchmark data.

Texts are built from templates with slots, so there are a few thousand distinct titles and
descriptions: enough variety for search to behave like real data, few enough that the search
terms of each text are computed once and cached. A handful of rare words (RARE_WORDS) appear
in about one ticket in two thousand, for "needle in a haystack" searches.
"""

from __future__ import annotations

TEAMS = [
    "Service Desk",
    "Soporte Puesto de Trabajo",
    "Infrastructure",
    "Redes y Comunicaciones",
    "Applications",
    "ERP y Finanzas",
    "Security",
    "Identidades y Accesos",
    "Field Support Madrid",
    "Field Support London",
]

# Category tree: parent -> [(child, team index)]
CATEGORIES = {
    "Hardware": [("Laptops", 1), ("Printers", 1), ("Phones", 8), ("Monitors", 9)],
    "Software": [("E-mail", 0), ("Office suite", 0), ("ERP", 5), ("CRM", 4)],
    "Network": [("Wi-Fi", 3), ("VPN", 3), ("Firewall", 6)],
    "Access": [("Accounts and passwords", 7), ("Permissions", 7)],
    "Servers": [("Storage", 2), ("Backups", 2), ("Databases", 2)],
}

ORGANISATIONS = [
    "Acme Logistics",
    "Globex Retail",
    "Hospital San Rafael",
    "Ayuntamiento de Villanueva",
    "Initech Insurance",
    "Transportes del Norte",
    "Umbrella Pharma",
    "Cooperativa Olivarera del Sur",
    "Stark Engineering",
    "Universidad Popular",
    "Wayne Foods",
    "Banco Regional",
]

FIRST_NAMES = [
    "Ana", "Carlos", "Lucía", "Jorge", "María", "Javier", "Elena", "Pablo", "Laura", "Sergio",
    "Carmen", "Andrés", "Marta", "Diego", "Nuria", "Raúl", "Emma", "Oliver", "Sophie", "James",
    "Amelia", "Harry", "Olivia", "Jack", "Isla", "George", "Chloe", "Thomas", "Grace", "Daniel",
]  # fmt: skip
LAST_NAMES = [
    "García", "Fernández", "González", "Rodríguez", "López", "Martínez", "Sánchez", "Pérez",
    "Gómez", "Martín", "Jiménez", "Ruiz", "Hernández", "Díaz", "Moreno", "Muñoz", "Álvarez",
    "Smith", "Jones", "Taylor", "Brown", "Williams", "Wilson", "Johnson", "Davies", "Evans",
]  # fmt: skip

PLACES_ES = ["la planta 2", "recepción", "la sala de juntas", "el almacén", "la oficina de Sevilla",
             "contabilidad", "el aula 3", "la sede central"]  # fmt: skip
PLACES_EN = ["floor 3", "reception", "meeting room B", "the warehouse", "the Leeds office",
             "accounting", "the training room", "head office"]  # fmt: skip
APPS = ["Outlook", "Teams", "SAP", "Excel", "Salesforce", "SharePoint", "Chrome", "OneDrive"]

# (category child, title template, description template); {place} and {app} are filled in.
TEMPLATES_ES = [
    ("Printers", "La impresora de {place} no imprime",
     "Desde esta mañana la impresora de {place} muestra un atasco de papel pero no hay papel."),
    ("Printers", "Las impresoras de {place} imprimen en blanco",
     "Las hojas salen en blanco; ya hemos cambiado el tóner sin éxito."),
    ("Laptops", "El portátil no arranca",
     "Pantalla negra al encender en {place}; el LED de carga parpadea en naranja."),
    ("Laptops", "Portátil muy lento al abrir {app}",
     "Tarda varios minutos en abrir {app}; el disco está casi lleno."),
    ("Phones", "Teléfono IP sin tono en {place}", "El teléfono de la extensión no da tono."),
    ("Monitors", "El monitor parpadea", "La pantalla del puesto de {place} parpadea cada pocos segundos."),
    ("E-mail", "No recibo correos en {app}",
     "Desde ayer no me llegan correos externos; los internos sí funcionan."),
    ("E-mail", "¿Cómo configuro el correo en el móvil?",
     "Tengo un Android nuevo y no sé qué servidor poner para el correo."),
    ("Office suite", "Error al guardar documentos en {app}",
     "Al guardar aparece «acceso denegado» en la carpeta compartida de {place}."),
    ("ERP", "El ERP va muy lento al contabilizar facturas",
     "Contabilizar una factura tarda más de un minuto; afecta a todo el equipo de {place}."),
    ("CRM", "No puedo exportar clientes del CRM", "La exportación a Excel se queda colgada al 90 %."),
    ("Wi-Fi", "Sin conexión Wi-Fi en {place}", "La red inalámbrica se corta cada diez minutos."),
    ("VPN", "Sin conexión a la VPN desde casa", "El cliente VPN da error 809 al conectar desde casa."),
    ("Firewall", "Solicitud de apertura de puerto en el cortafuegos",
     "Necesitamos abrir el puerto 443 hacia el proveedor de nóminas."),
    ("Accounts and passwords", "Alta de usuario para nueva incorporación",
     "Necesitamos cuenta de correo y acceso a {app} para la persona que empieza el lunes en {place}."),
    ("Accounts and passwords", "Contraseña caducada, no puedo entrar",
     "Mi contraseña ha caducado y el enlace de restablecimiento no funciona."),
    ("Permissions", "Acceso a la carpeta compartida de Finanzas",
     "Solicito permiso de lectura en la carpeta de Finanzas para {place}."),
    ("Storage", "Disco del servidor de ficheros casi lleno",
     "El volumen de {place} está al 95 % de ocupación."),
    ("Backups", "Falló la copia de seguridad nocturna", "La copia de {app} terminó con errores."),
    ("Databases", "Base de datos de {app} no responde", "Las consultas se quedan bloqueadas."),
]  # fmt: skip
TEMPLATES_EN = [
    ("Printers", "Printer on {place} is not printing",
     "Since this morning the printer on {place} shows a paper jam but there is no paper stuck."),
    ("Printers", "Printers in {place} print blank pages",
     "Pages come out blank; we already replaced the toner without success."),
    ("Laptops", "Laptop does not boot", "Black screen at power on in {place}; the charging LED blinks orange."),
    ("Laptops", "Laptop very slow when opening {app}",
     "It takes several minutes to open {app}; the disk is almost full."),
    ("Phones", "IP phone has no dial tone in {place}", "The desk phone has no dial tone at all."),
    ("Monitors", "Monitor keeps flickering", "The screen at the desk in {place} flickers every few seconds."),
    ("E-mail", "{app} keeps asking for my password",
     "Since the update yesterday {app} asks for my password every few minutes."),
    ("E-mail", "Not receiving external e-mails", "External messages do not arrive; internal ones do."),
    ("Office suite", "Cannot save documents in {app}",
     "Saving shows 'access denied' on the shared folder of {place}."),
    ("ERP", "ERP very slow when posting invoices",
     "Posting an invoice takes more than a minute; the whole team in {place} is affected."),
    ("CRM", "Cannot export customers from the CRM", "The export to Excel hangs at 90%."),
    ("Wi-Fi", "Wi-Fi drops in {place}", "The wireless connection drops every ten minutes."),
    ("VPN", "Cannot connect to the VPN from home", "The VPN client fails with error 809."),
    ("Firewall", "Request to open a firewall port", "We need port 443 open towards the payroll provider."),
    ("Accounts and passwords", "New starter account",
     "Please create an e-mail account and {app} access for our new colleague in {place}."),
    ("Accounts and passwords", "How do I reset my password?",
     "I forgot my password and the reset link expired."),
    ("Permissions", "Access to the Finance shared drive",
     "Please grant read access to the Finance share for {place}."),
    ("Storage", "File server disk almost full", "The volume for {place} is 95% full."),
    ("Backups", "Nightly backup failed", "The {app} backup finished with errors."),
    ("Databases", "{app} database not responding", "Queries hang and time out."),
]  # fmt: skip

REPLIES_ES = [
    "Gracias por avisar, lo estamos revisando.",
    "¿Puede indicarnos desde cuándo ocurre?",
    "Ya está funcionando, muchas gracias.",
    "Adjunto una captura del error.",
    "Hemos reiniciado el servicio, ¿puede comprobarlo de nuevo?",
    "Un técnico pasará por su puesto esta tarde.",
    "Sigue fallando igual que ayer.",
    "Confirmo que ya puedo trabajar con normalidad.",
]
REPLIES_EN = [
    "Thanks for reporting this, we are looking into it.",
    "Could you tell us since when this happens?",
    "It works now, thank you.",
    "I attach a screenshot of the error.",
    "We restarted the service, could you check again?",
    "A technician will come to your desk this afternoon.",
    "Still failing exactly like yesterday.",
    "I confirm I can work normally again.",
]
NOTES = [
    "Parece relacionado con la actualización del martes.",
    "Escalated to the vendor, case 4471.",
    "Revisado el log del servidor: sin errores.",
    "Check with Infrastructure before closing.",
    "Posible duplicado de otra incidencia abierta esta semana.",
    "Known issue with the latest driver; rollback fixes it.",
    "Pendiente de pieza de repuesto del proveedor.",
    "User confirmed by phone, waiting for the change window.",
]

# Rare words for searches that match a handful of tickets out of a million.
RARE_WORDS = ["Designjet", "Zebra ZT410", "Kyocera", "Fortigate"]
RARE_SENTENCES_ES = [f"El equipo afectado es un {w}." for w in RARE_WORDS]
RARE_SENTENCES_EN = [f"The affected device is a {w}." for w in RARE_WORDS]
RARE_RATE = 1 / 2000

# Search queries run by bench/run.py: (label, query).
SEARCHES = [
    ("common word, es", "impresora"),
    ("common word, en", "password"),
    ("two words, es", "correo móvil"),
    ("two words, en", "vpn home"),
    ("rare word", "designjet"),
    ("no match", "xylophone"),
]
