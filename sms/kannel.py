"""The Kannel configuration motcua works with (docs/sms-kannel.md prints the same text).

:func:`kannel_conf` writes a complete ``kannel.conf``: the bearerbox core group, one SMSC,
the smsbox, the sendsms user our :class:`~motcua.sms.gateways.KannelGateway` sends as, and
the sms-service whose ``get-url`` hands every inbound SMS to ``/sms/inbound`` and sends the
response body back as the reply. The tests run a real bearerbox, smsbox and ``fakesmsc``
from this very function.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

# Kannel's own default ("Could not fetch content, sorry.") is English and says nothing.
COULD_NOT_FETCH = ("He thong tra cuu tam thoi khong tra loi. Vui long thu lai sau it phut "
                   "hoac goi bo phan mot cua.")


@dataclass
class KannelSetup:
    """Ports, credentials and paths of one Kannel installation."""

    app_url: str  # where smsbox reaches motcua, e.g. http://127.0.0.1:5000
    secret: str  # MOTCUA_SMS_SECRET
    admin_port: int = 13000
    smsbox_port: int = 13001
    sendsms_port: int = 13013
    username: str = "motcua"
    password: str = "change-me"
    admin_password: str = "change-me-too"
    log_dir: Path = Path("/var/log/kannel")
    # The SMSC: the fakesmsc test handset by default; see the docs for a real operator link.
    smsc: str = "fake"
    smsc_port: int = 10000
    sender: str = "1022"  # the short code citizens text and notifications come from

    @property
    def sendsms_url(self) -> str:
        """MOTCUA_SMS_KANNEL_SENDSMS_URL for this setup."""
        return f"http://127.0.0.1:{self.sendsms_port}/cgi-bin/sendsms"


def kannel_conf(setup: KannelSetup) -> str:
    """The text of ``kannel.conf`` for ``setup``."""
    inbound = (f"{setup.app_url.rstrip('/')}/sms/inbound?from=%p&to=%P&text=%a"
               f"&secret={quote(setup.secret, safe='')}")
    return f"""\
# motcua: Kannel for lookups by SMS (sms-service) and notifications (sendsms).
group = core
admin-port = {setup.admin_port}
admin-password = {setup.admin_password}
smsbox-port = {setup.smsbox_port}
box-allow-ip = 127.0.0.1
log-file = "{setup.log_dir / 'bearerbox.log'}"
log-level = 1
access-log = "{setup.log_dir / 'access.log'}"
dlr-storage = internal

group = smsc
smsc = {setup.smsc}
smsc-id = motcua-smsc
port = {setup.smsc_port}
connect-allow-ip = 127.0.0.1

group = smsbox
bearerbox-host = 127.0.0.1
bearerbox-port = {setup.smsbox_port}
sendsms-port = {setup.sendsms_port}
sendsms-interface = 127.0.0.1
log-file = "{setup.log_dir / 'smsbox.log'}"
log-level = 1
# GSM-7 text; long messages go out as concatenated parts (UDH, 153 characters each).
sms-length = 160
# Said to the handset when motcua cannot be reached or answers an error (GSM-7).
reply-couldnotfetch = "{COULD_NOT_FETCH}"

group = sendsms-user
username = {setup.username}
password = {setup.password}
default-sender = {setup.sender}
max-messages = 5
concatenation = true
user-allow-ip = 127.0.0.1

group = sms-service
keyword = default
catch-all = true
get-url = "{inbound}"
max-messages = 5
concatenation = true
omit-empty = true
"""
