"""Every action id, callback id, block id and option value the bot's views use, defined once."""

from __future__ import annotations

BUY = "nb_buy"
CONFIRM = "nb_confirm"
CANCEL = "nb_cancel"
REQUEST_APPROVAL = "nb_request_approval"
APPROVE = "nb_approve"
DENY = "nb_deny"
ASK_AGAIN = "nb_ask_again"
RELEASE = "nb_release"
RELEASE_CANCEL = "nb_release_cancel"
LIST_PREVIOUS = "nb_list_previous"  # one id per button: Slack refuses two equal action ids in a block
LIST_NEXT = "nb_list_next"
LIST_PAGE = "nb_list_page"  # no longer rendered; kept so Next on pool pages already posted still works
SEARCH_PREVIOUS = "nb_search_previous"
SEARCH_NEXT = "nb_search_next"
OVER_BALANCE = "nb_over_balance"  # "buy anyway": the buyer accepts going over the provider balance
# The Home tab's buttons: no message to answer there, so their own ids (bot/home_actions.py)
HOME_APPROVE = "nb_home_approve"
HOME_DENY = "nb_home_deny"
HOME_INFO = "nb_home_info"
HOME_RELEASE = "nb_home_release"
HOME_SHOW = "nb_home_show"  # value: the section to show in full ("" for the summary)
SMS_REVEAL = "nb_sms_reveal"  # View message on a private SMS post: the value is the SMS id

SEARCH_MODAL = "nb_search_modal"
DENY_MODAL = "nb_deny_modal"

# Input blocks of the search modal: block id == action id
COUNTRY = "nb_country"
PATTERN = "nb_pattern"
PROVIDER = "nb_provider"
TYPE = "nb_type"
REASON = "nb_reason"

ALL_PROVIDERS = "all"
ANY_TYPE = "any"

# Block ids of messages whose buttons are looked up by block
APPROVAL_BUTTONS = "nb_approval"
LIST_NAV = "nb_list_nav"
SEARCH_NAV = "nb_search_nav"
