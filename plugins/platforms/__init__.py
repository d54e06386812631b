"""Built-in marketplace connectors: Amazon SP-API, eBay, Shopee Open Platform v2, Shopify Admin GraphQL.

Each module is a plugin of its own (an entry point in the ``crossdesk`` group) that answers
``crossdesk_platforms()`` with one :class:`crossdesk.models.PlatformSpec`. What each connector supports,
and what each marketplace API does not offer, is in docs/platforms.md.
"""
