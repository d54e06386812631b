import pytest

from crossdesk.plugin_manager import plugins_manager
from crossdesk.policy import load_policies


@pytest.fixture(scope="session")
def policies():
    """The built-in policies, loaded once through the plugin manager (the entry points)."""
    return load_policies(plugins_manager())
