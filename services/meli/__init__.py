"""Mercado Livre: the HTTP client, OAuth, and parsing of API payloads into domain objects."""
