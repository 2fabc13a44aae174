"""Event-driven corporate-actions service: cash dividends resolved by issuers' boards."""

__version__ = "0.1.0"
