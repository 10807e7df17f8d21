"""Every blueprint of the `core` area, under one parent (`core.web.access.area_blueprint`)."""

from __future__ import annotations

from core.accounts.views import bp as accounts
from core.apitokens.views import bp as apitokens
from core.audit.views import bp as audit
from core.home.views import bp as home
from core.mail.models import MailStatus
from core.mail.views import bp as mail
from core.mfa.views import bp as mfa
from core.notifications.views import bp as notifications
from core.passkeys.views import bp as passkeys
from core.people.views import bp as people
from core.privacy.views import bp as privacy
from core.sitepages.views import bp as sitepages
from core.sso.views import bp as sso
from core.web.access import area_blueprint

bp = area_blueprint(
    "core",
    home,
    accounts,
    sso,
    mfa,
    passkeys,
    people,
    audit,
    mail,
    notifications,
    sitepages,
    privacy,
    apitokens,
    statuses=(MailStatus,),
)
