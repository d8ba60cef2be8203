"""Mail: every email troth sends is written to the outbox first, then delivered.

    enqueue(session, settings=settings, to="ana@example.com",
            template="mail/login_link", context={"link": url})

The row is written in the caller's transaction, so an email exists exactly when
the state change that causes it is committed. A sender (a thread in `troth
serve`) claims due rows with a lease and delivers them by SMTP, retrying with
exponential backoff; without SMTP settings on the embedded default, each email
is written to `.troth/outbox/` as an `.eml` file instead.
"""

from troth.mail._models import OutboxMessage
from troth.mail._outbox import enqueue, enqueue_message
from troth.mail._sender import DeliveryReport, OutboxSender, deliver_due

__all__ = ["DeliveryReport", "OutboxMessage", "OutboxSender", "deliver_due", "enqueue", "enqueue_message"]
