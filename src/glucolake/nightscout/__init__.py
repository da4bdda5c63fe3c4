"""Talking to Nightscout sites: the client interface, its HTTP implementation, and its errors."""

from glucolake.nightscout.client import ClientStats, HttpNightscoutClient, NightscoutClient, Params
from glucolake.nightscout.errors import AuthError, FetchError, NightscoutError
from glucolake.nightscout.retry import RetryPolicy

__all__ = [
    "AuthError",
    "ClientStats",
    "FetchError",
    "HttpNightscoutClient",
    "NightscoutClient",
    "NightscoutError",
    "Params",
    "RetryPolicy",
]
