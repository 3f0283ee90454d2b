"""Helpline: multi-tenant omnichannel contact-center platform."""
