"""Built-in return policies: one plugin module per legal regime and per platform policy.

Each module implements ``crossdesk_return_policies`` and is its own entry point in the ``crossdesk`` group
(``policy_eu``, ``policy_de``, ...), so a seller can switch one off with ``CROSSDESK_LOAD_PLUGINS`` and a
third party can add a country the same way. They import only the public API (``crossdesk.policy``).
"""
