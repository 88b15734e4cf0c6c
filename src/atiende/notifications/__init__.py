"""In-app notifications: who is told what, rendered in the reader's language.

`actions.notify(user_ids=..., verb=..., ticket_id=..., params=...)` stores a message key and
its parameters (messages.py); `Notification.message` renders it in the active language, so
a notification written by a background worker reads in each user's own language. E-mail
delivery comes with the mail domain.
"""
